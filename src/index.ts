import { DurableObject } from "cloudflare:workers";

export class ZoneDispatcher extends DurableObject {
  ping(): string {
    return "pong";
  }
}

export default {
  async fetch(req: Request, env: { ZONES: DurableObjectNamespace<ZoneDispatcher> }) {
    const stub = env.ZONES.getByName("x");
    return new Response(await stub.ping());
  },
};
