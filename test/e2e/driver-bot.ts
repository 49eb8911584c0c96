// A driver over the real driver socket (GET /v2/drivers/:id/ws): it accepts every offer it is
// pushed and, once an accept is acked, reports picked_up → in_transit → delivered, one status
// message at a time. It survives its server being killed: `reconnect()` settles, from the zone's
// own answers, what the crash left unanswered (an accept or a status report sent but never
// acked), then resumes the stream with `?since=<last seq seen>`.

import WebSocket from "ws";
import { PacedSender } from "../../scripts/paced-sender.mjs";

/** Server messages that are replies, not stream events (no seq). */
const REPLY_TYPES = new Set(["ack", "pong", "error"]);
/** What the driver reports after each status, until the delivery is delivered. */
const NEXT_STATUS: Record<string, string | undefined> = { assigned: "picked_up", picked_up: "in_transit", in_transit: "delivered" };
const RESUMED_PING_ID = "resumed";
/** The zone refuses a driver's 21st message within one second; the bot stays well under it. */
const MAX_SENDS_PER_SECOND = 10;

/** The zone's view of one delivery, as GET /v2/admin/deliveries/:id answers it (the fields used here). */
export interface DeliveryDetail {
  id: string;
  status: string;
  assignedDriverId: string | null;
  offers: { id: string; driverId: string; status: string }[];
  assignment: { id: string; driverId: string; offerId: string | null; status: string } | null;
}

export class DriverBot {
  /** Every stream event, over every connection, in order of arrival. */
  readonly events: any[] = [];
  /** Accepts the zone confirmed (ack ok:true), with the assignment each created. */
  readonly wonAccepts: { deliveryId: string; assignmentId: string }[] = [];
  /** Accepts refused (another driver was first, or the offer was gone). */
  lostAccepts = 0;
  /** Deliveries this driver brought to delivered (as acked, or as the zone showed after a crash). */
  readonly delivered = new Set<string>();
  /** Anything a correct server never sends: unparsable frames, error replies, refused status reports. */
  readonly problems: string[] = [];
  /**
   * Events received after a reconnect and before the answer to the ping sent on opening: the
   * replay (the zone sends it before it reads any message), plus any event pushed in between.
   */
  replayed = 0;

  private ws: WebSocket | null = null;
  private closed = true;
  private connections = 0;
  private awaitingResumePong = false;
  /** The delivery this driver holds, the status it last saw acked, and (always) the next one in flight. */
  private holding: { deliveryId: string; status: string } | null = null;
  /** Accepts sent and not yet answered: offerId → deliveryId. */
  private readonly pendingAccepts = new Map<string, string>();
  private readonly offersSeen = new Set<string>();
  /** Messages waiting for the send budget, and when the last ones went out. */
  private readonly sender = new PacedSender(MAX_SENDS_PER_SECOND, () => this.ws);

  constructor(
    readonly driverId: string,
    private readonly token: string,
    /** The zone's current view of a delivery (through whichever server is up). */
    private readonly lookup: (deliveryId: string) => Promise<DeliveryDetail>,
  ) {}

  get lastSeq(): number {
    return this.events.at(-1)?.seq ?? 0;
  }

  /** Nothing in hand and nothing unanswered. */
  get idle(): boolean {
    return this.holding === null && this.pendingAccepts.size === 0;
  }

  /** What the driver is waiting for, for failure messages. */
  describe(): string {
    const { driverId, holding, pendingAccepts, problems, events } = this;
    return JSON.stringify({ driverId, holding, pendingAccepts: [...pendingAccepts], problems: problems.slice(0, 3), lastEvents: events.slice(-4) });
  }

  /** Opens the socket, resuming the stream after the last event seen. */
  connect(wsUrl: string): Promise<void> {
    this.closed = false;
    const ws = new WebSocket(`${wsUrl}/v2/drivers/${this.driverId}/ws?since=${this.lastSeq}`, {
      headers: { Authorization: `Bearer ${this.token}` },
    });
    this.ws = ws;
    const resumed = this.connections++ > 0;
    ws.on("message", (data) => this.receive(data.toString()));
    ws.once("close", () => (this.closed = true));
    return new Promise((resolve, reject) => {
      ws.once("open", () => {
        if (resumed) {
          // The zone answers a ping with an id only after the replay it sent on connect.
          this.awaitingResumePong = true;
          this.send({ type: "ping", id: RESUMED_PING_ID });
        }
        resolve();
      });
      ws.once("unexpected-response", (_req, res) => reject(new Error(`${this.driverId}: upgrade answered ${res.statusCode}`)));
      ws.once("error", reject);
    });
  }

  /**
   * After the server died: asks the zone what became of each unanswered message while no socket
   * is open (so nothing moves meanwhile), reconnects, then acts on it. An unanswered accept took
   * effect (the driver holds the delivery), is still open (sent again) or is moot; an unanswered
   * status report is replaced by the next one after the status the zone has.
   */
  async reconnect(wsUrl: string): Promise<void> {
    for (let i = 0; !this.closed && i < 100; i++) await new Promise((r) => setTimeout(r, 100));
    if (!this.closed) throw new Error(`${this.driverId}: the old socket is still open`);
    this.sender.clear(); // never sent: lost with the server, like what was on the wire
    const actions: (() => void)[] = [];
    for (const [offerId, deliveryId] of this.pendingAccepts) {
      const detail = await this.lookup(deliveryId);
      const offer = detail.offers.find((o) => o.id === offerId);
      if (offer?.status === "PENDING") actions.push(() => this.sendAccept(offerId, deliveryId));
      else {
        actions.push(() => this.pendingAccepts.delete(offerId));
        if (offer?.status === "ACCEPTED" && detail.assignedDriverId === this.driverId) actions.push(() => this.hold(deliveryId, detail.status));
      }
    }
    const held = this.holding;
    if (held) {
      const detail = await this.lookup(held.deliveryId);
      actions.push(() => this.hold(held.deliveryId, detail.status));
    }
    await this.connect(wsUrl);
    for (const act of actions) act();
  }

  close(): Promise<void> {
    this.sender.stop();
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
    ws.close(1000, "done");
    return closed;
  }

  private receive(text: string): void {
    let message: any;
    try {
      message = JSON.parse(text);
    } catch {
      message = undefined;
    }
    if (message === null || typeof message !== "object") {
      this.problems.push(`not a JSON object: ${text.slice(0, 200)}`);
      return;
    }
    if (REPLY_TYPES.has(message.type)) return this.reply(message);
    this.events.push(message);
    if (this.awaitingResumePong) this.replayed++;
    if (message.type === "offer_created" && !this.offersSeen.has(message.offerId)) {
      this.offersSeen.add(message.offerId);
      this.sendAccept(message.offerId, message.deliveryId);
    }
  }

  private reply(message: any): void {
    if (message.type === "pong") {
      if (message.id === RESUMED_PING_ID) this.awaitingResumePong = false;
      return;
    }
    if (message.type === "error") {
      this.problems.push(`error reply: ${JSON.stringify(message)}`);
      return;
    }
    if (message.for === "accept_offer") {
      const offerId = String(message.id).replace(/^accept:/, "");
      const deliveryId = this.pendingAccepts.get(offerId);
      this.pendingAccepts.delete(offerId);
      if (!message.ok) {
        this.lostAccepts++;
        return;
      }
      this.wonAccepts.push({ deliveryId: message.deliveryId, assignmentId: message.assignmentId });
      if (deliveryId !== message.deliveryId) this.problems.push(`accept of ${offerId} acked for delivery ${message.deliveryId}, offered for ${deliveryId}`);
      this.hold(message.deliveryId, "assigned");
    } else if (message.for === "delivery_status") {
      if (!message.ok || message.deliveryId !== this.holding?.deliveryId) {
        this.problems.push(`status report refused or not about the held delivery: ${JSON.stringify(message)}`);
        return;
      }
      this.hold(message.deliveryId, message.status);
    }
  }

  private sendAccept(offerId: string, deliveryId: string): void {
    this.pendingAccepts.set(offerId, deliveryId);
    this.send({ type: "accept_offer", id: `accept:${offerId}`, offerId });
  }

  /** Holds the delivery at `status` and reports the next one, or lets it go once delivered. */
  private hold(deliveryId: string, status: string): void {
    const next = NEXT_STATUS[status];
    if (status === "delivered") this.delivered.add(deliveryId);
    if (!next) {
      this.holding = null;
      return;
    }
    this.holding = { deliveryId, status };
    this.send({ type: "delivery_status", id: `status:${next}`, deliveryId, status: next });
  }

  private send(message: Record<string, unknown>): void {
    this.sender.send(JSON.stringify(message));
  }
}
