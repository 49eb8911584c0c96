import { audience } from "./audiences";

/** docs/security.md: open sockets one caller may hold on one zone. */
export const MAX_OPS_SOCKETS_PER_CALLER = 3;
export const MAX_CUSTOMER_SOCKETS_PER_ORDER = 5;

/** The tag a capped socket is counted under, and how many such sockets may be open. */
export interface SocketCap {
  tag: string;
  limit: number;
}

/**
 * Which cap a new socket falls under: ops sockets per token `sub`, customer sockets per order
 * (its delivery's stream). A driver has none: a new socket of theirs replaces the old one.
 */
export function socketCap(stream: string, callerId: string | null): SocketCap | null {
  if (stream === audience.ops) return { tag: `ops-caller:${callerId ?? ""}`, limit: MAX_OPS_SOCKETS_PER_CALLER };
  if (stream.startsWith(audience.customer(""))) return { tag: stream, limit: MAX_CUSTOMER_SOCKETS_PER_ORDER };
  return null;
}
