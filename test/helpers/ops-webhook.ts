import { env } from "cloudflare:workers";
import type { HasZone } from "./zone-object";
import { ok, zoneObject } from "./zone-object";
import type { Client } from "./api";

/** One POST the test receiver got. */
export interface Received {
  headers: Record<string, string>;
  body: string;
  signatureValid: boolean;
}

export async function receiverLog(name: string): Promise<Received[]> {
  return (await fetch(`${env.WEBHOOK_RECEIVER_URL}/log/${name}`)).json();
}

/** Waits for any webhook run in flight, then runs one more (sends whatever is due). */
export async function sendWebhooks(o: HasZone) {
  const zone = zoneObject(o);
  await zone.deliverWebhooks();
  await zone.deliverWebhooks();
}

/** Points the org's ops webhook at the test receiver under `name`; its first `failFirst` POSTs answer 500. */
export async function useReceiver(o: { admin: Client }, name: string, failFirst = 0) {
  await ok(
    o.admin.patch("/admin/settings", {
      opsWebhookUrl: `${env.WEBHOOK_RECEIVER_URL}/hooks/${name}?fail=${failFirst}`,
      opsWebhookSecret: env.WEBHOOK_RECEIVER_SECRET,
    }),
  );
}
