import { afterEach, describe, expect, it, vi } from "vitest";
import { openLiveSocket, type StreamEvent } from "../../src/web/client/live-socket";

/** A stand-in for the browser's WebSocket: the test opens, feeds and drops each connection. */
class FakeSocket {
  static opened: FakeSocket[] = [];
  private readonly listeners = new Map<string, ((event: any) => void)[]>();
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.opened.push(this);
  }
  addEventListener(type: string, listener: (event: any) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  emit(type: string, event: object = {}) {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
  deliver(...events: object[]) {
    for (const event of events) this.emit("message", { data: JSON.stringify(event) });
  }
  close() {
    this.emit("close", { code: 1000 });
  }
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  FakeSocket.opened = [];
});

describe("openLiveSocket", () => {
  it("reconnects after a drop with since = the last seq seen, and hands over each event once, in order", async () => {
    vi.useFakeTimers();
    vi.stubGlobal("WebSocket", FakeSocket);
    const events: StreamEvent[] = [];
    const states: string[] = [];
    openLiveSocket({
      url: (since) => `wss://x.test/v2/orders/o/ws?since=${since}`,
      protocols: () => ["dispatch.v2"],
      onEvent: (e) => events.push(e),
      onState: (s) => states.push(s),
    });
    const first = FakeSocket.opened[0]!;
    expect(first.url).toBe("wss://x.test/v2/orders/o/ws?since=0");
    expect(first.protocols).toEqual(["dispatch.v2"]);
    first.emit("open");
    first.deliver({ type: "a", seq: 1 }, { type: "b", seq: 2 });
    first.emit("close", { code: 1006 });
    expect(states).toEqual(["connecting", "live", "reconnecting"]);

    await vi.advanceTimersByTimeAsync(500);
    const second = FakeSocket.opened[1]!;
    expect(second.url).toBe("wss://x.test/v2/orders/o/ws?since=2");
    second.emit("open");
    // The server replays from since; anything already seen is dropped.
    second.deliver({ type: "b", seq: 2 }, { type: "c", seq: 3 }, { type: "pong" });
    expect(events.map((e) => e.type)).toEqual(["a", "b", "c", "pong"]);
  });

  it("backs off up to 10 s, and stops for good on a final close code or close()", async () => {
    vi.useFakeTimers();
    vi.stubGlobal("WebSocket", FakeSocket);
    const states: string[] = [];
    const live = openLiveSocket({ url: () => "wss://x.test/ws", onEvent: () => {}, onState: (s) => states.push(s), isFinal: (code) => code === 1008 });
    for (let i = 0; i < 6; i++) {
      FakeSocket.opened.at(-1)!.emit("close", { code: 1006 });
      await vi.advanceTimersByTimeAsync(10_000);
    }
    expect(FakeSocket.opened).toHaveLength(7);
    FakeSocket.opened.at(-1)!.emit("close", { code: 1008 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.opened).toHaveLength(7);
    expect(states.at(-1)).toBe("closed");
    live.close();
  });
});
