import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { directory, trackingTokens } from "../db/d1-schema";
import { conflict } from "./http-error";

type Kind = (typeof directory.$inferSelect)["kind"];

/** Which zone holds a driver / delivery / order of an org, or null when the org has none such. */
export async function locate(db: D1Database, orgId: string, kind: Kind, ref: string) {
  const row = await drizzle(db)
    .select({ zoneId: directory.zoneId, entityId: directory.entityId })
    .from(directory)
    .where(and(eq(directory.orgId, orgId), eq(directory.kind, kind), eq(directory.ref, ref)))
    .get();
  return row ?? null;
}

export async function registerDriverEntry(db: D1Database, orgId: string, zoneId: string, driverId: string) {
  await drizzle(db).insert(directory).values({ orgId, kind: "driver", ref: driverId, zoneId, entityId: driverId });
}

/** Records a delivery, claims its orderId (409 if the org used it) and its tracking token. */
export async function registerDeliveryEntries(
  db: D1Database,
  orgId: string,
  zoneId: string,
  deliveryId: string,
  orderId: string,
  trackingTokenHash: string,
) {
  const d1 = drizzle(db);
  try {
    await d1.batch([
      d1.insert(directory).values({ orgId, kind: "delivery", ref: deliveryId, zoneId, entityId: deliveryId }),
      d1.insert(directory).values({ orgId, kind: "order", ref: orderId, zoneId, entityId: deliveryId }),
      d1.insert(trackingTokens).values({ tokenHash: trackingTokenHash, orgId, orderId, deliveryId, zoneId }),
    ]);
  } catch (error) {
    if (String(error).includes("UNIQUE constraint failed")) throw conflict(`orderId "${orderId}" is already used`);
    throw error;
  }
}

/** Undoes registerDeliveryEntries / registerDriverEntry when the zone refused the create. */
export async function forgetEntries(db: D1Database, orgId: string, entries: { kind: Kind; ref: string }[]) {
  const d1 = drizzle(db);
  const [first, ...rest] = entries.map((e) =>
    d1.delete(directory).where(and(eq(directory.orgId, orgId), eq(directory.kind, e.kind), eq(directory.ref, e.ref))),
  );
  if (first) await d1.batch([first, ...rest]);
}

export async function pointDriverTo(db: D1Database, orgId: string, driverId: string, zoneId: string) {
  await drizzle(db)
    .update(directory)
    .set({ zoneId })
    .where(and(eq(directory.orgId, orgId), eq(directory.kind, "driver"), eq(directory.ref, driverId)));
}
