import { DriverMessage } from "../contracts/events";
import { markHeardFrom, recordLocation } from "../domain/driver-roster";
import { acceptOffer, rejectOffer } from "../domain/offer-lifecycle";
import type { ZoneTx } from "../domain/zone-tx";

/*
 * The zone's sockets (hibernation API). Each socket is tagged with its audience, so pushing an
 * event is `getWebSockets(audience)`; its attachment (kept across hibernation) says who it is.
 */

export interface SocketIdentity {
  audience: string;
  orgId: string;
  /** Set for a driver's own socket: the only kind that may send messages. */
  driverId: string | null;
}

/** A message larger than this is refused unread. */
export const MAX_MESSAGE_BYTES = 4096;
/** API.md: more than 20 messages a second from one socket are dropped with an error. */
export const MESSAGES_PER_SECOND = 20;

/** Close codes: the client should reconnect (4001: through the Worker, which finds the new zone). */
export const CLOSE = { replaced: 4000, movedZone: 4001 } as const;

export function send(ws: WebSocket, message: unknown): void {
  try {
    ws.send(typeof message === "string" ? message : JSON.stringify(message));
  } catch {
    // A socket that is closing cannot hold up a decision; its client replays on reconnect.
  }
}

/** Fixed one-second windows per socket, in memory: a wake from hibernation starts afresh. */
export class MessageRate {
  private readonly windows = new WeakMap<WebSocket, { second: number; count: number }>();

  allows(ws: WebSocket, now: number): boolean {
    const second = Math.floor(now / 1000);
    const window = this.windows.get(ws);
    if (!window || window.second !== second) {
      this.windows.set(ws, { second, count: 1 });
      return true;
    }
    return ++window.count <= MESSAGES_PER_SECOND;
  }
}

/**
 * A message's size in bytes (UTF-8 as sent), not in UTF-16 code units: 4,096 characters of
 * "é" are 8,192 bytes. A string longer than the limit is over it whatever it holds, so only a
 * short one is encoded.
 */
function messageBytes(raw: string | ArrayBuffer): number {
  if (typeof raw !== "string") return raw.byteLength;
  return raw.length > MAX_MESSAGE_BYTES ? raw.length : new TextEncoder().encode(raw).byteLength;
}

export type ParsedMessage = { ok: true; message: DriverMessage } | { ok: false; error: string };

export function parseDriverMessage(raw: string | ArrayBuffer): ParsedMessage {
  if (messageBytes(raw) > MAX_MESSAGE_BYTES) return { ok: false, error: `message exceeds ${MAX_MESSAGE_BYTES} bytes` };
  const text = typeof raw === "string" ? raw : new TextDecoder().decode(raw);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: "message is not valid JSON" };
  }
  const parsed = DriverMessage.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `invalid message: ${issue ? `${issue.path.join(".") || "message"}: ${issue.message}` : "unknown"}` };
  }
  return { ok: true, message: parsed.data };
}

/**
 * The rule a driver's message runs — the same domain code as the HTTP routes — and what its ack
 * carries. Every message is also a sign of life.
 */
export function ruleFor(message: Exclude<DriverMessage, { type: "ping" }>, driverId: string): (tx: ZoneTx) => object {
  switch (message.type) {
    case "location": {
      const { type: _t, id: _id, ...report } = message;
      return (tx) => ({ applied: recordLocation(tx, driverId, report).applied });
    }
    case "accept_offer":
      return (tx) => {
        markHeardFrom(tx, driverId);
        const { assignment, responseTimeMs } = acceptOffer(tx, driverId, message.offerId, message.acceptedAt);
        return { offerId: message.offerId, assignmentId: assignment.id, deliveryId: assignment.deliveryId, responseTimeMs };
      };
    case "reject_offer":
      return (tx) => {
        markHeardFrom(tx, driverId);
        const { nextOffers } = rejectOffer(tx, driverId, message.offerId, message.reason ?? "other");
        return { offerId: message.offerId, ...(nextOffers[0] ? { nextOfferId: nextOffers[0].id } : {}) };
      };
  }
}
