import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { ZoneEvent } from "../../src/contracts/events";
import { uuidPattern } from "./expect-error";

/*
 * Real WebSocket upgrades through the Worker's default export (docs/api.md "Sockets"). Every
 * socket a test opens goes through `TestSocket`, which parses every message it receives:
 * server events must parse with `ZoneEvent` and carry `seq` (continuous on this connection,
 * starting right after `since` when one was given) and a UUID `eventId` (unique on this
 * connection); replies (`ack`, `error`, `pong`) must have their documented shape. A violation
 * fails the test at its next `waitFor`, `events`/`replies` read or `close()`.
 */

const BASE = "https://dispatch.test/v2";
const REPLY_TYPES = new Set(["ack", "error", "pong"]);

export interface UpgradeOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Sent as the `Sec-WebSocket-Protocol` header (the browser form). */
  protocols?: string;
  /** Extra or replacing headers; `Upgrade: websocket` is sent unless `upgrade: false`. */
  headers?: Record<string, string>;
  upgrade?: boolean;
}

/** The raw answer of an upgrade request to `path` (relative to /v2, query included). */
export function upgrade(path: string, options: UpgradeOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.upgrade !== false) headers.Upgrade = "websocket";
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  if (options.protocols !== undefined) headers["Sec-WebSocket-Protocol"] = options.protocols;
  return exports.default.fetch(new Request(`${BASE}${path}`, { headers: { ...headers, ...options.headers } }));
}

export const driverSocketPath = (driverId: string, since?: number) =>
  `/drivers/${driverId}/ws${since === undefined ? "" : `?since=${since}`}`;
export const opsSocketPath = (zoneId: string, since?: number) =>
  `/admin/zones/${zoneId}/ws${since === undefined ? "" : `?since=${since}`}`;
export const customerSocketPath = (orderId: string, token: string, since?: number) =>
  `/orders/${encodeURIComponent(orderId)}/ws?token=${encodeURIComponent(token)}${since === undefined ? "" : `&since=${since}`}`;

export interface Message {
  type: string;
  [key: string]: any;
}

export class TestSocket {
  /** Every message received, parsed, in order of arrival. */
  readonly messages: Message[] = [];
  /** What was wrong with a message (checked by every read and by close()). */
  readonly problems: string[] = [];
  closed: { code: number; reason: string } | null = null;
  private lastSeq: number | null;
  private readonly eventIds = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly ws: WebSocket,
    readonly response: Response,
    /**
     * The `since` this connection was opened with; null when none (the zone then replays what it
     * retains, which need not start at seq 1: older events may be pruned or, after a zone move,
     * held by the driver's former zone).
     */
    readonly since: number | null,
  ) {
    this.lastSeq = since;
    ws.addEventListener("message", (e) => this.receive(e.data));
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.notify();
    });
  }

  private receive(data: string | ArrayBuffer): void {
    let message: Message;
    try {
      message = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
    } catch {
      this.problems.push(`not JSON: ${String(data).slice(0, 200)}`);
      return;
    }
    this.messages.push(message);
    if (REPLY_TYPES.has(message.type)) this.checkReply(message);
    else this.checkEvent(message);
    this.notify();
  }

  private checkReply(m: Message): void {
    const ok =
      (m.type === "pong" && Object.keys(m).every((k) => k === "type" || k === "id")) ||
      (m.type === "error" && typeof m.message === "string" && m.message.length > 0) ||
      (m.type === "ack" && typeof m.for === "string" && typeof m.ok === "boolean" && (m.ok || typeof m.error === "string"));
    if (!ok) this.problems.push(`malformed reply: ${JSON.stringify(m)}`);
  }

  private checkEvent(m: Message): void {
    const { seq, eventId, ...event } = m;
    const parsed = ZoneEvent.safeParse(event);
    if (!parsed.success) this.problems.push(`not a ZoneEvent: ${JSON.stringify(m)}: ${parsed.error.message}`);
    // The zone's current health, sent once when an ops socket connects, is outside the numbered stream.
    if (seq === undefined && m.type === "zone_health_updated") this.checkEventId(m, eventId);
    else this.checkNumbered(m, seq, eventId);
  }

  private checkNumbered(m: Message, seq: unknown, eventId: unknown): void {
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) this.problems.push(`bad seq ${String(seq)} in ${JSON.stringify(m)}`);
    else {
      if (this.lastSeq !== null && seq !== this.lastSeq + 1) {
        this.problems.push(`seq ${seq} after ${this.lastSeq} (gap or duplicate) in ${JSON.stringify(m)}`);
      }
      this.lastSeq = seq;
    }
    this.checkEventId(m, eventId);
  }

  private checkEventId(m: Message, eventId: unknown): void {
    if (typeof eventId !== "string" || !uuidPattern.test(eventId)) this.problems.push(`bad eventId in ${JSON.stringify(m)}`);
    else if (this.eventIds.has(eventId)) this.problems.push(`duplicate eventId ${eventId}`);
    else this.eventIds.add(eventId);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Fails the test if any message so far broke the contract. */
  assertValid(): void {
    expect(this.problems, "socket messages that break the contract").toEqual([]);
  }

  /** Server events received (validated), optionally only of some types. */
  events(...types: string[]): Message[] {
    this.assertValid();
    return this.messages.filter((m) => !REPLY_TYPES.has(m.type) && (types.length === 0 || types.includes(m.type)));
  }

  /** Replies (`ack`, `error`, `pong`) received. */
  replies(): Message[] {
    this.assertValid();
    return this.messages.filter((m) => REPLY_TYPES.has(m.type));
  }

  /** The seq of the last event received (the `since` to reconnect with). */
  get lastEventSeq(): number {
    return this.events().at(-1)?.seq ?? this.since ?? 0;
  }

  /** Index of the next message to arrive; pass it to `waitFor` to look only at later messages. */
  mark(): number {
    return this.messages.length;
  }

  /** The first message at index ≥ `from` matching `predicate`, waiting up to `timeoutMs` for it. */
  waitFor(predicate: (m: Message) => boolean, options: { from?: number; timeoutMs?: number } = {}): Promise<Message> {
    const { from = 0, timeoutMs = 2000 } = options;
    return new Promise<Message>((resolve, reject) => {
      const check = () => {
        const found = this.messages.slice(from).find(predicate);
        if (found || this.closed) {
          clearTimeout(timer);
          this.listeners.delete(check);
          if (found) resolve(found);
          else reject(new Error(`socket closed (${this.closed?.code}) before a matching message; got ${JSON.stringify(this.messages.slice(from))}`));
        }
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(from))}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    }).then((m) => {
      this.assertValid();
      return m;
    });
  }

  /** The next event of `type` (from `from` on) matching `fields`. */
  waitForEvent(type: string, fields: Record<string, unknown> = {}, options: { from?: number; timeoutMs?: number } = {}): Promise<Message> {
    return this.waitFor((m) => m.type === type && Object.entries(fields).every(([k, v]) => m[k] === v), options);
  }

  /** Resolves with the close code and reason once the server has closed the socket. */
  waitForClose(timeoutMs = 2000): Promise<{ code: number; reason: string }> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.closed) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(this.closed);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`socket not closed within ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Sends a message and waits for the reply (`ack`/`error`/`pong`) that follows it. */
  async request(message: unknown, timeoutMs = 2000): Promise<Message> {
    const from = this.mark();
    this.send(message);
    return this.waitFor((m) => REPLY_TYPES.has(m.type), { from, timeoutMs });
  }

  /** Closes the socket (if the server has not) and checks every message it received. */
  close(code = 1000): void {
    openSockets.delete(this);
    if (!this.closed) {
      try {
        this.ws.close(code, "test done");
      } catch {
        // already closing
      }
    }
    this.assertValid();
  }
}

/** Sockets opened and not yet closed by the test (see `closeOpenSockets`). */
const openSockets = new Set<TestSocket>();

/**
 * Closes whatever a test left open (a failed test stops before its own `close()` calls); for
 * `afterEach`. Only closes: a test's assertions are its own.
 */
export function closeOpenSockets(): void {
  for (const socket of openSockets) {
    if (!socket.closed) {
      try {
        socket.ws.close(1000, "test over");
      } catch {
        // already closing
      }
    }
  }
  openSockets.clear();
}

/** Opens a socket; fails the test unless the answer is a 101 with a WebSocket. */
export async function openSocket(path: string, options: UpgradeOptions = {}): Promise<TestSocket> {
  const res = await upgrade(path, options);
  if (res.status !== 101 || !res.webSocket) {
    throw new Error(`upgrade of ${path} answered ${res.status}: ${await res.text()}`);
  }
  const ws = res.webSocket;
  const sinceParam = new URL(`${BASE}${path}`).searchParams.get("since");
  const since = sinceParam === null ? null : Number(sinceParam);
  const socket = new TestSocket(ws, res, since);
  ws.accept();
  openSockets.add(socket);
  return socket;
}

/** Lets already-sent socket messages be dispatched: a few turns of the event loop, no more. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Waits `ms` and asserts nothing new arrived on any of `sockets` meanwhile. */
export async function expectQuiet(sockets: TestSocket[], ms = 100): Promise<void> {
  const before = sockets.map((s) => s.mark());
  await new Promise((resolve) => setTimeout(resolve, ms));
  sockets.forEach((s, i) => expect(s.messages.slice(before[i]), "messages that should not have come").toEqual([]));
}
