/**
 * Sends a socket's messages at most `perSecond` in any second (the zone drops the excess over
 * 20), holding the rest until the budget allows. Into a socket that is not open a message is
 * lost, as on a real network: the caller makes up for it after reconnecting. Shared by the
 * simulator's drivers and the end-to-end tests' driver bots (types in paced-sender.d.mts).
 */
export class PacedSender {
  /** @param {number} perSecond @param {() => { readyState: number, send(data: string): void } | null} socket */
  constructor(perSecond, socket) {
    this.perSecond = perSecond;
    this.socket = socket;
    this.queue = [];
    this.recentSends = [];
    this.timer = null;
  }

  send(text) {
    this.queue.push(text);
    this.drain();
  }

  /** Forgets what was not sent yet (lost with a server that went away). */
  clear() {
    this.queue.length = 0;
  }

  /** Stops for good: nothing more goes out. */
  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    this.clear();
  }

  drain() {
    if (this.timer) return;
    while (this.queue.length > 0) {
      const ws = this.socket();
      if (ws?.readyState !== 1 /* OPEN */) {
        this.clear();
        return;
      }
      const now = Date.now();
      while (this.recentSends.length > 0 && this.recentSends[0] <= now - 1000) this.recentSends.shift();
      if (this.recentSends.length >= this.perSecond) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.drain();
        }, this.recentSends[0] + 1000 - now);
        return;
      }
      this.recentSends.push(now);
      ws.send(this.queue.shift());
    }
  }
}
