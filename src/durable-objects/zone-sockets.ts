import { DriverMessage } from "../contracts/events";
import { audience } from "../domain/audiences";
import { type CommandCall, commandForMessage } from "../domain/driver-messages";
import { socketCap } from "../domain/socket-limits";
import type { ZoneResult } from "./zone-result";
import type { StreamRow } from "./zone-store";

/*
 * The zone's sockets (hibernation API). Each socket is tagged with its audience, so pushing an
 * event is `getWebSockets(audience)`; its attachment (kept across hibernation) says who it is.
 */

interface SocketIdentity {
  audience: string;
  orgId: string;
  /** The token `sub` of an ops socket (counted against its cap), else null. */
  callerId: string | null;
  /** Set for a driver's own socket: the only kind that may send messages. */
  driverId: string | null;
}

/** A message larger than this is refused unread. */
const MAX_MESSAGE_BYTES = 4096;
/** docs/api.md: more than 20 messages a second from one socket are dropped with an error. */
const MESSAGES_PER_SECOND = 20;

/** Close codes: the client should reconnect (4001: through the Worker, which finds the new zone). */
const CLOSE = { replaced: 4000, movedZone: 4001 } as const;

function send(ws: WebSocket, message: unknown): void {
  try {
    ws.send(typeof message === "string" ? message : JSON.stringify(message));
  } catch {
    // A socket that is closing cannot hold up a decision; its client replays on reconnect.
  }
}

/** Fixed one-second windows per socket, in memory: a wake from hibernation starts afresh. */
class MessageRate {
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

/** A refused message's `id`, when it has a readable one: the error names the message it answers. */
type MessageRef = { id?: string };
type ParsedMessage = { ok: true; message: DriverMessage } | { ok: false; error: string; ref: MessageRef };

function refOf(json: unknown): MessageRef {
  const id = (json as { id?: unknown } | null)?.id;
  return typeof id === "string" && id.length > 0 && id.length <= 64 ? { id } : {};
}

function parseJson(raw: string | ArrayBuffer): { ok: true; json: unknown } | { ok: false } {
  try {
    return { ok: true, json: JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw)) };
  } catch {
    return { ok: false };
  }
}

function parseDriverMessage(raw: string | ArrayBuffer): ParsedMessage {
  if (messageBytes(raw) > MAX_MESSAGE_BYTES) return { ok: false, error: `message exceeds ${MAX_MESSAGE_BYTES} bytes`, ref: {} };
  const read = parseJson(raw);
  if (!read.ok) return { ok: false, error: "message is not valid JSON", ref: {} };
  const parsed = DriverMessage.safeParse(read.json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const error = `invalid message: ${issue ? `${issue.path.join(".") || "message"}: ${issue.message}` : "unknown"}`;
    return { ok: false, error, ref: refOf(read.json) };
  }
  return { ok: true, message: parsed.data };
}

/** The id of a message that is dropped unparsed (over the rate), read only if it is small. */
function refOfDropped(raw: string | ArrayBuffer): MessageRef {
  if (messageBytes(raw) > MAX_MESSAGE_BYTES) return {};
  const read = parseJson(raw);
  return read.ok ? refOf(read.json) : {};
}

/**
 * What an ack carries: an accept or reject says what the HTTP route answers; a location only
 * whether the fix was taken (the driver knows where it is); a status report the new status
 * (the driver-facing delivery comes with the events).
 */
function ackBody(type: DriverMessage["type"], value: unknown): object {
  switch (type) {
    case "location":
      return { applied: (value as { applied: boolean }).applied };
    case "delivery_status": {
      const { id, status } = value as { id: string; status: string };
      return { deliveryId: id, status };
    }
    default:
      return value as object;
  }
}

/** Close codes an endpoint may put in a close frame (RFC 6455 7.4): not 1004-1006 or 1015. */
const isSendableCloseCode = (code: number) =>
  (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);

/** What the gateway needs from its zone: who it is, its replay log, and the command path. */
export interface SocketHost {
  orgId(): string | null;
  eventsSince(audience: string, since: number): string[];
  /** Runs a command for the socket's org, committed like any RPC decision. */
  run(orgId: string, call: CommandCall): ZoneResult<unknown>;
  /** Events a new socket of the stream gets once, after its replay (not numbered, never replayed). */
  greeting(audience: string): object[];
}

/**
 * The zone's socket gateway (hibernation API), after PartyServer's split: the zone object keeps
 * the lifecycle hooks and calls in here. Each socket is tagged with its audience (audiences.ts),
 * so pushing an event is `getWebSockets(audience)`; its attachment, kept across hibernation,
 * says who it is.
 */
export class ZoneSockets {
  private readonly rate = new MessageRate();

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly host: SocketHost,
  ) {
    // Client pings are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  /**
   * Takes a socket the Worker has authenticated: `audience` says whose stream it is, `since`
   * which events it already has. Missed events are sent first, in order, then live ones follow:
   * the object handles one thing at a time, so nothing falls between the two.
   */
  connect(request: Request): Response {
    const url = new URL(request.url);
    const identity: SocketIdentity = {
      audience: url.searchParams.get("audience") ?? "",
      orgId: url.searchParams.get("org") ?? "",
      driverId: url.searchParams.get("driver"),
      callerId: url.searchParams.get("caller"),
    };
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || this.host.orgId() !== identity.orgId) {
      return new Response("Not found", { status: 404 });
    }
    const cap = socketCap(identity.audience, identity.callerId);
    if (cap && this.ctx.getWebSockets(cap.tag).length >= cap.limit) {
      return new Response(`at most ${cap.limit} open sockets on this stream`, { status: 429 });
    }
    if (identity.driverId) this.closeAll(identity.audience, CLOSE.replaced, "replaced by a newer connection");
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, cap && cap.tag !== identity.audience ? [identity.audience, cap.tag] : [identity.audience]);
    server.serializeAttachment(identity);
    for (const payload of this.host.eventsSince(identity.audience, Number(url.searchParams.get("since") ?? 0))) send(server, payload);
    for (const event of this.host.greeting(identity.audience)) send(server, { ...event, eventId: crypto.randomUUID() });
    if (identity.driverId) this.host.run(identity.orgId, { name: "heardFrom", input: { driverId: identity.driverId } });
    const offered = request.headers.get("Sec-WebSocket-Protocol")?.split(",").map((p) => p.trim()) ?? [];
    const headers = offered.includes("dispatch.v2") ? { "Sec-WebSocket-Protocol": "dispatch.v2" } : undefined;
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  message(ws: WebSocket, raw: string | ArrayBuffer): void {
    try {
      this.answer(ws, raw);
    } catch (error) {
      // A message must never take the object down or touch other sockets.
      console.error("socket message failed", error);
      send(ws, { type: "error", message: "internal error" });
    }
  }

  private answer(ws: WebSocket, raw: string | ArrayBuffer): void {
    const identity = ws.deserializeAttachment() as SocketIdentity | null;
    if (!identity?.driverId) return send(ws, { type: "error", message: "this socket is read-only" });
    if (!this.rate.allows(ws, Date.now())) {
      const message = `rate limited: at most ${MESSAGES_PER_SECOND} messages per second`;
      return send(ws, { type: "error", ...refOfDropped(raw), message });
    }
    const parsed = parseDriverMessage(raw);
    if (!parsed.ok) return send(ws, { type: "error", ...parsed.ref, message: parsed.error });
    const { message } = parsed;
    const id = message.id === undefined ? {} : { id: message.id };
    const result = this.host.run(identity.orgId, commandForMessage(message, identity.driverId));
    if (message.type === "ping") return send(ws, { type: "pong", ...id });
    if (!result.ok) return send(ws, { type: "ack", for: message.type, ok: false, ...id, error: result.error.message });
    send(ws, { type: "ack", for: message.type, ok: true, ...id, ...ackBody(message.type, result.value) });
  }

  /**
   * Echoes the client's close so the handshake ends at once. A close without a code (1005, what
   * browsers send by default) or with one that may not go on the wire is answered with 1000.
   */
  close(ws: WebSocket, code: number): void {
    if (code === 1006) return; // the connection is already gone
    try {
      ws.close(isSendableCloseCode(code) ? code : 1000, "closing");
    } catch {
      // already closed
    }
  }

  /** Pushes committed events to the sockets of their audiences. */
  push(rows: StreamRow[]): void {
    for (const row of rows) for (const ws of this.ctx.getWebSockets(row.audience)) send(ws, row.payload);
  }

  isConnected(driverId: string): boolean {
    return this.isWatched(audience.driver(driverId));
  }

  /** Whether any socket of the stream is open. */
  isWatched(key: string): boolean {
    return this.ctx.getWebSockets(key).length > 0;
  }

  /** The driver's socket is closed with "moved zone": its client reconnects through the Worker. */
  driverMoved(driverId: string): void {
    this.closeAll(audience.driver(driverId), CLOSE.movedZone, "driver moved to another zone; reconnect");
  }

  private closeAll(key: string, code: number, reason: string): void {
    for (const ws of this.ctx.getWebSockets(key)) ws.close(code, reason);
  }
}
