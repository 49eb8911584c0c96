// One simulated driver on its real socket (GET /v2/drivers/:id/ws, docs/api-notes.md "Sockets"):
// it cruises between random points of the zone while free, answers each offer (accept with the
// run's probability, else reject), drives to the pickup, waits until the order is ready, reports
// picked_up → in_transit, drives to the dropoff and reports delivered. Every move is along a great
// circle at the run's speed, in simulated time (real time × time scale); its position goes out as
// a `location` message every few real seconds. Messages stay under 10 per second per socket (the
// zone refuses the 21st in a second), and a dropped socket is reopened with `?since=<last seq>`.

import WebSocket from "ws";
import { PacedSender } from "../paced-sender.mjs";
import { bearingDeg, distanceKm, intermediate, randomPointIn, round6 } from "./geo.mjs";

const MAX_SENDS_PER_SECOND = 10;
const REJECT_REASONS = ["too_far", "no_time", "bad_area", "other"];
const RECONNECT_DELAY_MS = 1000;
const MAX_RECONNECTS = 20;

export class SimDriver {
  /**
   * @param {object} p
   * @param {string} p.id driver id
   * @param {string} p.token the driver's own token
   * @param {{ lat: number, lon: number }} p.position where it starts
   * @param {object} p.sim the run: { wsUrl, options, stats, random, polygon, simNow(), deliveryInfo(id) }
   */
  constructor({ id, token, position, sim }) {
    this.id = id;
    this.token = token;
    this.sim = sim;
    this.position = position;
    /** { from, to, startSim, km } while moving */
    this.segment = null;
    /** The delivery in hand: { deliveryId, phase: "to_pickup" | "at_pickup" | "picking_up" | "to_dropoff" | "delivering" } */
    this.job = null;
    /** An accept sent and not answered yet: { offerId, deliveryId } */
    this.pendingAccept = null;
    this.lastSeq = 0;
    this.online = false;
    this.stopped = false;
    this.ws = null;
    this.reconnects = 0;
    this.messageSeq = 0;
    /** message id → { message, kind } until its ack */
    this.inFlight = new Map();
    this.offersSeen = new Set();
    this.sender = new PacedSender(MAX_SENDS_PER_SECOND, () => this.ws);
    this.moveTimer = null;
    this.locationTimer = null;
  }

  get idle() {
    return this.job === null && this.pendingAccept === null;
  }

  /**
   * Free for a new offer: nothing in hand, or only the "delivered" report awaiting its ack (the
   * zone frees the driver and may offer it the next delivery before that ack goes out).
   */
  get free() {
    return this.pendingAccept === null && (this.job === null || this.job.phase === "delivering");
  }

  /** Opens the socket; resolves once it is open. */
  connect() {
    const { wsUrl } = this.sim;
    const since = this.lastSeq > 0 ? `?since=${this.lastSeq}` : "";
    const ws = new WebSocket(`${wsUrl}/v2/drivers/${this.id}/ws${since}`, { headers: { Authorization: `Bearer ${this.token}` } });
    this.ws = ws;
    ws.on("message", (data) => this.receive(data.toString()));
    return new Promise((resolve, reject) => {
      let opened = false;
      ws.once("open", () => {
        opened = true;
        resolve();
      });
      ws.once("unexpected-response", (_req, res) => {
        reject(new Error(`socket upgrade answered ${res.statusCode}`));
        ws.terminate();
      });
      ws.on("error", (error) => {
        if (!opened) reject(error);
      });
      ws.once("close", (code) => {
        if (opened) this.closed(ws, code);
      });
    });
  }

  /** Starts streaming positions and cruising; called once the driver is available. */
  start() {
    this.setOnline(true);
    const every = this.sim.options.locationIntervalSeconds * 1000;
    // Spread the drivers' location messages over the interval.
    this.locationTimer = setTimeout(() => {
      this.sendLocation();
      this.locationTimer = setInterval(() => this.sendLocation(), every);
    }, this.sim.random() * every);
    this.cruise();
  }

  /** Stops everything and closes the socket (1000). */
  stop() {
    this.stopped = true;
    clearTimeout(this.moveTimer);
    clearTimeout(this.locationTimer);
    clearInterval(this.locationTimer);
    this.sender.stop();
    this.setOnline(false);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 3000);
      ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, "simulation over");
    });
  }

  setOnline(online) {
    if (online === this.online) return;
    this.online = online;
    const stats = this.sim.stats;
    stats.driversOnline += online ? 1 : -1;
    stats.driversOnlinePeak = Math.max(stats.driversOnlinePeak, stats.driversOnline);
  }

  closed(ws, code) {
    if (ws !== this.ws || this.stopped) return;
    this.setOnline(false);
    this.sim.stats.error(`socket_closed_${code}`, `driver ${this.id}: socket closed with ${code}`);
    if (this.reconnects++ >= MAX_RECONNECTS) return;
    setTimeout(() => this.reopen(), RECONNECT_DELAY_MS);
  }

  async reopen() {
    if (this.stopped) return;
    try {
      await this.connect();
      this.setOnline(true);
      // What was sent and never answered goes again (the zone answers a repeat like any message),
      // except old positions: the next location message says where the driver is now.
      const unanswered = [...this.inFlight.values()].filter(({ kind }) => kind !== "location");
      this.inFlight.clear();
      for (const { message, kind } of unanswered) this.send(message, kind);
    } catch (error) {
      this.sim.stats.error("socket_reconnect_failed", `driver ${this.id}: ${error.message}`);
      if (this.reconnects++ < MAX_RECONNECTS) setTimeout(() => this.reopen(), RECONNECT_DELAY_MS);
    }
  }

  // ---- movement ---------------------------------------------------------------------------

  /** Where the driver is now (on its segment, in simulated time). */
  here() {
    const s = this.segment;
    if (!s) return this.position;
    const travelled = ((this.sim.simNow() - s.startSim) / 3_600_000) * this.sim.options.speedKmh;
    const f = s.km === 0 ? 1 : Math.min(1, travelled / s.km);
    return intermediate(s.from, s.to, f);
  }

  /** Drives to `to`; `arrived` runs there. */
  moveTo(to, arrived) {
    clearTimeout(this.moveTimer);
    const from = this.here();
    this.position = from;
    const km = distanceKm(from, to);
    this.segment = { from, to, startSim: this.sim.simNow(), km };
    const realMs = ((km / this.sim.options.speedKmh) * 3_600_000) / this.sim.options.timeScale;
    this.moveTimer = setTimeout(() => {
      this.position = to;
      this.segment = null;
      if (!this.stopped) arrived();
    }, realMs);
  }

  /** While free: towards a random point of the zone, then the next. */
  cruise() {
    if (this.stopped || this.job) return;
    const waypoint = randomPointIn(this.sim.polygon, this.sim.random) ?? this.position;
    this.moveTo(waypoint, () => this.cruise());
  }

  hold() {
    clearTimeout(this.moveTimer);
    this.position = this.here();
    this.segment = null;
  }

  // ---- the socket's messages --------------------------------------------------------------

  receive(text) {
    let m;
    try {
      m = JSON.parse(text);
    } catch {
      m = null;
    }
    if (m === null || typeof m !== "object") {
      this.sim.stats.error("socket_bad_frame", `driver ${this.id}: ${text.slice(0, 200)}`);
      return;
    }
    if (m.type === "ack") return this.acked(m);
    if (m.type === "error") {
      this.inFlight.delete(m.id);
      this.sim.stats.error("socket_error_reply", `driver ${this.id}: ${JSON.stringify(m).slice(0, 300)}`);
      return;
    }
    if (m.type === "pong") return;
    if (typeof m.seq === "number") this.lastSeq = Math.max(this.lastSeq, m.seq);
    const stats = this.sim.stats;
    switch (m.type) {
      case "offer_created": {
        if (this.offersSeen.has(m.offerId)) return; // a replay after a reconnect
        this.offersSeen.add(m.offerId);
        stats.offers.received++;
        if (!stats.firstOfferAt.has(m.deliveryId)) stats.firstOfferAt.set(m.deliveryId, Date.now());
        if (!this.free) {
          // Never happens with a correct zone (a busy driver is not offered anything); say no.
          this.send({ type: "reject_offer", offerId: m.offerId, reason: "no_time" }, "reject");
        } else if (this.sim.random() < this.sim.options.acceptRate) {
          this.pendingAccept = { offerId: m.offerId, deliveryId: m.deliveryId, pickup: m.payload?.pickupLocation };
          this.send({ type: "accept_offer", offerId: m.offerId }, "accept");
        } else {
          const reason = REJECT_REASONS[Math.floor(this.sim.random() * REJECT_REASONS.length)];
          this.send({ type: "reject_offer", offerId: m.offerId, reason }, "reject");
        }
        return;
      }
      case "offer_expired":
        stats.offers.expired++;
        return;
      case "offer_cancelled":
        stats.offers.cancelled++;
        return;
      default:
        return; // offer_accepted / offer_rejected echoes, availability changes
    }
  }

  acked(m) {
    const sent = this.inFlight.get(m.id);
    this.inFlight.delete(m.id);
    const stats = this.sim.stats;
    if (!sent) return; // the answer to a message sent on an older socket and repeated since
    if (sent.kind === "location") {
      if (!m.ok) stats.error("location_refused", `driver ${this.id}: ${m.error ?? JSON.stringify(m)}`);
      return;
    }
    if (sent.kind === "reject") {
      if (m.ok) stats.offers.rejected++;
      else stats.error("reject_refused", `driver ${this.id}: ${m.error ?? JSON.stringify(m)}`);
      return;
    }
    if (sent.kind === "accept") {
      const pending = this.pendingAccept;
      this.pendingAccept = null;
      if (!m.ok) {
        // Broadcast zones: another driver was first. Sequential: the offer expired before the accept arrived.
        stats.offers.acceptsLost++;
        return;
      }
      const deliveryId = m.deliveryId ?? pending?.deliveryId;
      stats.offers.accepted++;
      stats.assigned++;
      if (!stats.acceptedAt.has(deliveryId)) stats.acceptedAt.set(deliveryId, Date.now());
      stats.wins.set(deliveryId, [...(stats.wins.get(deliveryId) ?? []), this.id]);
      void this.takeJob(deliveryId, pending?.pickup);
      return;
    }
    if (sent.kind === "status") {
      const status = sent.message.status;
      if (!m.ok) {
        stats.error(`status_refused_${status}`, `driver ${this.id}, delivery ${sent.message.deliveryId}: ${m.error ?? JSON.stringify(m)}`);
        if (this.job?.deliveryId === sent.message.deliveryId) {
          this.job = null;
          this.cruise();
        }
        return;
      }
      this.statusAcked(sent.message.deliveryId, status);
    }
  }

  async takeJob(deliveryId, offeredPickup) {
    this.job = { deliveryId, phase: "to_pickup" };
    this.hold();
    const info = await this.sim.deliveryInfo(deliveryId);
    if (this.stopped || this.job?.deliveryId !== deliveryId) return;
    const pickup = info?.pickup ?? offeredPickup;
    if (!info || !pickup) {
      this.sim.stats.error("delivery_unknown", `driver ${this.id}: no pickup/dropoff for delivery ${deliveryId}`);
      this.job = null;
      this.cruise();
      return;
    }
    this.job.info = info;
    this.moveTo(pickup, () => {
      this.sendLocation();
      this.job.phase = "at_pickup";
      const waitReal = Math.max(0, (info.readyAtSim ?? 0) - this.sim.simNow()) / this.sim.options.timeScale;
      this.moveTimer = setTimeout(() => {
        if (this.stopped) return;
        this.job.phase = "picking_up";
        this.send({ type: "delivery_status", deliveryId, status: "picked_up" }, "status");
      }, waitReal);
    });
  }

  statusAcked(deliveryId, status) {
    if (status === "delivered") {
      const stats = this.sim.stats;
      stats.deliveredBy.set(deliveryId, [...(stats.deliveredBy.get(deliveryId) ?? []), this.id]);
      if (stats.createStartedAt.has(deliveryId)) stats.delivered++;
      // The next job may already have been taken meanwhile (see `free`).
      if (this.job?.deliveryId === deliveryId) {
        this.job = null;
        this.cruise();
      }
      return;
    }
    const job = this.job;
    if (!job || job.deliveryId !== deliveryId) return;
    if (status === "picked_up") {
      this.send({ type: "delivery_status", deliveryId, status: "in_transit" }, "status");
    } else if (status === "in_transit") {
      job.phase = "to_dropoff";
      this.moveTo(job.info.dropoff, () => {
        this.sendLocation();
        job.phase = "delivering";
        this.send({ type: "delivery_status", deliveryId, status: "delivered" }, "status");
      });
    }
  }

  sendLocation() {
    if (this.stopped) return;
    const here = this.here();
    const s = this.segment;
    const moving = s !== null && s.km > 0;
    this.send(
      {
        type: "location",
        lat: round6(here.lat),
        lon: round6(here.lon),
        accuracyMeters: 5,
        speed: moving ? Math.min(500, Math.round((this.sim.options.speedKmh / 3.6) * 10) / 10) : 0,
        ...(moving ? { heading: Math.round(bearingDeg(here, s.to)) % 360 } : {}),
      },
      "location",
    );
  }

  send(message, kind) {
    const id = `${kind}:${++this.messageSeq}`;
    const withId = { ...message, id };
    this.inFlight.set(id, { message, kind });
    this.sender.send(JSON.stringify(withId));
  }
}
