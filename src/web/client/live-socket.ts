/*
 * A socket to one of the service's streams that survives drops: it reconnects with `since` set
 * to the last event seen (so the server replays what was missed, nothing twice) and backs off
 * up to 10 s between attempts. Events are handed over once each, in order.
 */

export interface StreamEvent {
  type: string;
  seq?: number;
  [key: string]: unknown;
}

export interface LiveSocketOptions {
  /** The socket URL without `since` (same origin: the page's CSP allows nothing else). */
  url: (since: number) => string;
  /** `Sec-WebSocket-Protocol` values, e.g. the ops token as `bearer.<token>`. */
  protocols?: () => string[];
  onEvent: (event: StreamEvent) => void;
  onState: (state: "connecting" | "live" | "reconnecting" | "closed") => void;
  /** Whether a close with this code means "do not come back" (e.g. refused credentials). */
  isFinal?: (code: number) => boolean;
}

const MAX_BACKOFF_MS = 10_000;

export function openLiveSocket(options: LiveSocketOptions): { close(): void } {
  let lastSeq = 0;
  let attempt = 0;
  let socket: WebSocket | null = null;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const connect = () => {
    options.onState(attempt === 0 ? "connecting" : "reconnecting");
    socket = new WebSocket(options.url(lastSeq), options.protocols?.() ?? []);
    socket.addEventListener("open", () => {
      attempt = 0;
      options.onState("live");
    });
    socket.addEventListener("message", (message) => {
      let event: StreamEvent;
      try {
        event = JSON.parse(String(message.data)) as StreamEvent;
      } catch {
        return;
      }
      if (typeof event.seq === "number") {
        if (event.seq <= lastSeq) return; // already seen before a reconnect
        lastSeq = event.seq;
      }
      options.onEvent(event);
    });
    socket.addEventListener("close", (close) => {
      socket = null;
      if (stopped || options.isFinal?.(close.code)) {
        options.onState("closed");
        return;
      }
      attempt += 1;
      options.onState("reconnecting");
      retry = setTimeout(connect, Math.min(MAX_BACKOFF_MS, 500 * 2 ** (attempt - 1)));
    });
  };
  connect();
  return {
    close() {
      stopped = true;
      clearTimeout(retry);
      socket?.close(1000, "page closed");
    },
  };
}
