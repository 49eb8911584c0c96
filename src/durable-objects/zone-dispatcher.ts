import { DurableObject } from "cloudflare:workers";
import type { LocationBody, ZonePreference } from "../contracts/drivers";
import type { ZoneSettingsPatch } from "../contracts/zones";
import type { AvailabilityCommand } from "../domain/availability-machine";
import { type AvailabilityOptions, changeAvailability } from "../domain/availability-changes";
import { type NewDelivery, acceptDelivery } from "../domain/delivery-intake";
import {
  type DriverReportedStatus,
  cancelDelivery,
  reassignDelivery,
  releaseDelivery,
  reportDeliveryStatus,
} from "../domain/delivery-progress";
import {
  admitMovedDriver,
  departDriver,
  editDriverProfile,
  setZonePreferences,
  markHeardFrom,
  recordLocation,
  registerDriver,
} from "../domain/driver-roster";
import { customerView } from "../domain/delivery-tracking";
import { notFound } from "../domain/errors";
import type {
  Actor,
  AssignmentRecord,
  AuditEntry,
  DeliveryRecord,
  DriverRecord,
  HistoryEntry,
  OfferRecord,
  OpsNotification,
  ZoneConfig,
} from "../domain/model";
import { acceptOffer, offerManually, rejectOffer } from "../domain/offer-lifecycle";
import type { OfferStatus } from "../contracts/offers";
import { failedWebhookAttempt, flushRetryDelayMs, webhookRetryDelayMs } from "../domain/outbox-retry";
import { type ManualEscalation, checkEscalations, escalateManually } from "../domain/escalation";
import { fireDueTimers } from "../domain/timers";
import { configureZone, updateZoneSettings } from "../domain/zone-config";
import { type ZoneLiveCounts, zoneLiveCounts } from "../domain/zone-health";
import type { ZoneState } from "../domain/zone-state";
import { type ZoneChanges, ZoneTx, audience } from "../domain/zone-tx";
import type { CreateDriverBody, DriverProfilePatch } from "../contracts/drivers";
import type { Env } from "../worker/env";
import { EventStream } from "./event-stream";
import { postNotice, readWebhookTarget, writeDeadLetter } from "./ops-webhook";
import { writeOutboxToD1 } from "./outbox-flusher";
import { CLOSE, MessageRate, type SocketIdentity, parseDriverMessage, ruleFor, send } from "./zone-sockets";
import { type ZoneResult, toZoneResult } from "./zone-result";
import { type FlushSchedule, ZoneStore } from "./zone-store";

export type CustomerView = ReturnType<typeof customerView>;

export interface DeliveryDetail {
  delivery: DeliveryRecord;
  offers: OfferRecord[];
  assignment: AssignmentRecord | null;
}

export interface DriverDeparture {
  driver: DriverRecord;
  history: HistoryEntry[];
  /** The last seq of the driver's socket stream here, so the new zone continues it. */
  streamSeq: number;
}

/** Socket events are kept this long for `?since` replay (API.md: at least 10 minutes). */
const EVENT_RETENTION_MS = 15 * 60_000;

/** Outbox rows sent to D1 per batch. */
const FLUSH_BATCH_SIZE = 200;

/** Ops webhook notices sent (concurrently) per run. */
const WEBHOOK_BATCH_SIZE = 20;

/**
 * One delivery zone of one org (named `<orgId>:<zoneId>`). It serialises every decision that
 * must not race; each RPC runs one domain rule over a ZoneTx and commits its changes in one
 * storage transaction before answering. No business rule lives here.
 */
export class ZoneDispatcher extends DurableObject<Env> {
  private readonly store: ZoneStore;
  private readonly stream: EventStream;
  private readonly messageRate = new MessageRate();
  private state!: ZoneState;
  private flush: FlushSchedule = { dueAt: null, attempts: 0 };
  private alarmAt: number | null = null;
  private flushing: Promise<void> | null = null;
  /** When the first queued ops webhook notice is due (null: none queued). */
  private webhookDueAt: number | null = null;
  private sendingWebhooks: Promise<void> | null = null;
  /** Where the outbox goes; tests swap it for a failing D1 to prove nothing is lost. */
  outboxTarget: D1Database;
  /**
   * Test seam: the object's only source of "now" (epoch ms) for decisions, timers and flush
   * backoff. Tests move it forward to end a break or pass a backoff without waiting; production
   * never assigns it.
   */
  clock: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new ZoneStore(ctx.storage);
    this.stream = new EventStream(this.store);
    this.outboxTarget = env.DB;
    // Client pings are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
    void ctx.blockConcurrencyWhile(async () => {
      await this.store.migrate();
      this.state = this.store.load();
      this.flush = this.store.flushSchedule();
      // A crash between a commit and its flush scheduling must not strand outbox rows.
      if (this.flush.dueAt === null && this.store.outboxSize() > 0) this.flush = { dueAt: this.clock(), attempts: 0 };
      this.webhookDueAt = this.store.nextWebhookAt();
      this.alarmAt = await ctx.storage.getAlarm();
      this.rearm();
    });
  }

  // ── zone ────────────────────────────────────────────────────────────────────────────────

  async configure(config: ZoneConfig): Promise<ZoneResult<ZoneConfig>> {
    return toZoneResult(() => this.commitRule((tx) => configureZone(tx, config)));
  }

  async updateSettings(orgId: string, patch: ZoneSettingsPatch): Promise<ZoneResult<ZoneConfig>> {
    return this.decide(orgId, (tx) => updateZoneSettings(tx, patch));
  }

  async liveCounts(orgId: string): Promise<ZoneResult<ZoneLiveCounts>> {
    return this.read(orgId, () => zoneLiveCounts(this.state));
  }

  // ── drivers ─────────────────────────────────────────────────────────────────────────────

  async createDriver(orgId: string, id: string, input: Omit<CreateDriverBody, "zoneId">): Promise<ZoneResult<DriverRecord>> {
    return this.decide(orgId, (tx) => registerDriver(tx, id, input));
  }

  async getDriver(orgId: string, id: string): Promise<ZoneResult<DriverRecord>> {
    return this.read(orgId, (tx) => tx.requireDriver(id));
  }

  async listDrivers(orgId: string): Promise<ZoneResult<DriverRecord[]>> {
    return this.read(orgId, () => [...this.state.drivers.values()]);
  }

  async editDriver(orgId: string, id: string, patch: DriverProfilePatch): Promise<ZoneResult<DriverRecord>> {
    return this.decide(orgId, (tx) => editDriverProfile(tx, id, patch));
  }

  async setZonePreferences(
    orgId: string,
    id: string,
    preferences: { zoneId: string; preference: ZonePreference }[],
  ): Promise<ZoneResult<DriverRecord>> {
    return this.decide(orgId, (tx) => setZonePreferences(tx, id, preferences));
  }

  async recordLocation(orgId: string, id: string, report: LocationBody): Promise<ZoneResult<{ applied: boolean; driver: DriverRecord }>> {
    return this.decide(orgId, (tx) => recordLocation(tx, id, report));
  }

  async changeAvailability(
    orgId: string,
    id: string,
    command: AvailabilityCommand,
    actor: Actor,
    options: AvailabilityOptions = {},
  ): Promise<ZoneResult<DriverRecord>> {
    return this.decide(orgId, (tx) => changeAvailability(tx, id, command, actor, options));
  }

  /** History rows of a driver not yet in D1 (the read merges them with D1). */
  async pendingHistory(orgId: string, driverId: string): Promise<ZoneResult<HistoryEntry[]>> {
    return this.read(orgId, () => this.store.pendingFor("history", driverId));
  }

  /** First half of a zone move: the driver leaves, taking its unflushed history along. */
  async departDriver(orgId: string, id: string, toZoneId: string): Promise<ZoneResult<DriverDeparture>> {
    const result = this.decide(orgId, (tx) => ({
      driver: departDriver(tx, id, toZoneId),
      history: this.store.pendingFor("history", id),
      streamSeq: this.store.lastSeq(audience.driver(id)),
    }));
    if (result.ok && toZoneId !== this.state.zone?.id) {
      for (const ws of this.ctx.getWebSockets(audience.driver(id))) ws.close(CLOSE.movedZone, "driver moved to another zone; reconnect");
    }
    return result;
  }

  /** The driver as it left, to finish a move that was interrupted after `departDriver`. */
  async departure(orgId: string, id: string): Promise<ZoneResult<DriverDeparture>> {
    return this.read(orgId, () => {
      const driver = this.store.departedSnapshot(id) ?? throwNotFound("Driver not found");
      return { driver, history: this.store.pendingFor("history", id), streamSeq: this.store.lastSeq(audience.driver(id)) };
    });
  }

  /** Second half of a zone move (idempotent). */
  async admitDriver(orgId: string, departure: DriverDeparture): Promise<ZoneResult<DriverRecord>> {
    const admitted = this.decide(orgId, (tx) => admitMovedDriver(tx, departure.driver, departure.history));
    if (admitted.ok) this.stream.continueFrom(audience.driver(departure.driver.id), departure.streamSeq);
    return admitted;
  }

  // ── deliveries ──────────────────────────────────────────────────────────────────────────

  async createDelivery(orgId: string, input: NewDelivery, actor: Actor): Promise<ZoneResult<DeliveryRecord>> {
    return this.decide(orgId, (tx) => acceptDelivery(tx, input, actor));
  }

  async cancelDelivery(orgId: string, id: string, reason: string, actor: Actor): Promise<ZoneResult<DeliveryRecord>> {
    return this.decide(orgId, (tx) => cancelDelivery(tx, id, reason, actor));
  }

  async reportDeliveryStatus(
    orgId: string,
    driverId: string,
    deliveryId: string,
    status: DriverReportedStatus,
    reason: string | null,
  ): Promise<ZoneResult<DeliveryRecord>> {
    return this.decide(orgId, (tx) => {
      markHeardFrom(tx, driverId);
      return reportDeliveryStatus(tx, driverId, deliveryId, status, reason);
    });
  }

  /** Audit events of a delivery not yet in D1 (the read merges them with D1). */
  async pendingAudit(orgId: string, deliveryId: string): Promise<ZoneResult<AuditEntry[]>> {
    return this.read(orgId, () => this.store.pendingFor("audit", deliveryId));
  }

  async releaseDelivery(orgId: string, driverId: string, deliveryId: string, reason: string): Promise<ZoneResult<DeliveryRecord>> {
    return this.decide(orgId, (tx) => {
      markHeardFrom(tx, driverId);
      return releaseDelivery(tx, driverId, deliveryId, reason);
    });
  }

  async reassignDelivery(
    orgId: string,
    deliveryId: string,
    driverId: string | undefined,
    actor: Actor,
  ): Promise<ZoneResult<DeliveryRecord>> {
    return this.decide(orgId, (tx) => reassignDelivery(tx, deliveryId, driverId, actor));
  }

  /** A delivery with every offer made for it and its current (or last) assignment. */
  async deliveryDetail(orgId: string, id: string): Promise<ZoneResult<DeliveryDetail>> {
    return this.read(orgId, (tx) => {
      const delivery = tx.requireDelivery(id);
      const assignment = delivery.assignmentId ? (tx.assignment(delivery.assignmentId) ?? null) : null;
      return { delivery, offers: this.store.offersOfDelivery(id), assignment };
    });
  }

  // ── offers ──────────────────────────────────────────────────────────────────────────────

  async createOffer(
    orgId: string,
    deliveryId: string,
    driverId: string,
    expiresInSeconds: number | undefined,
    actor: Actor,
  ): Promise<ZoneResult<OfferRecord>> {
    return this.decide(orgId, (tx) => offerManually(tx, deliveryId, driverId, expiresInSeconds, actor));
  }

  async acceptOffer(
    orgId: string,
    driverId: string,
    offerId: string,
    acceptedAt?: string,
  ): Promise<ZoneResult<{ assignmentId: string; deliveryId: string; driverId: string; responseTimeMs: number }>> {
    return this.decide(orgId, (tx) => {
      const { assignment, responseTimeMs } = acceptOffer(tx, driverId, offerId, acceptedAt);
      return { assignmentId: assignment.id, deliveryId: assignment.deliveryId, driverId, responseTimeMs };
    });
  }

  async rejectOffer(
    orgId: string,
    driverId: string,
    offerId: string,
    reason: string,
  ): Promise<ZoneResult<{ nextOfferId: string | null }>> {
    return this.decide(orgId, (tx) => {
      const { nextOffers } = rejectOffer(tx, driverId, offerId, reason);
      return { nextOfferId: nextOffers[0]?.id ?? null };
    });
  }

  /** A driver's offers, newest first (at most `limit`). */
  async driverOffers(orgId: string, driverId: string, status: OfferStatus | undefined, limit: number): Promise<ZoneResult<OfferRecord[]>> {
    return this.read(orgId, (tx) => {
      tx.requireDriver(driverId);
      return this.store.offersOfDriver(driverId, status, limit);
    });
  }

  /** The customer's view of a delivery; with a token, only if it is that delivery's (else 401). */
  async customerStatus(orgId: string, deliveryId: string, token: string | null): Promise<ZoneResult<CustomerView>> {
    return this.read(orgId, (tx) => customerView(tx, deliveryId, token));
  }

  // ── escalation ──────────────────────────────────────────────────────────────────────────

  /** The ladder run now for every waiting delivery (POST /v2/admin/escalation/check). */
  async checkEscalations(orgId: string): Promise<ZoneResult<{ checked: number; escalated: number }>> {
    return this.decide(orgId, (tx) => checkEscalations(tx));
  }

  async escalate(orgId: string, request: ManualEscalation, actor: Actor): Promise<ZoneResult<ReturnType<typeof escalateManually>>> {
    return this.decide(orgId, (tx) => escalateManually(tx, request, actor));
  }

  /** Puts a dead-lettered notice back in the send queue, for a fresh round of attempts. */
  async requeueWebhook(orgId: string, notice: OpsNotification): Promise<ZoneResult<{ queued: true }>> {
    return toZoneResult(() => {
      this.requireOrg(orgId);
      if (notice.orgId !== orgId || notice.zoneId !== this.state.zone?.id) throw notFound("Dead letter not found");
      this.store.enqueueWebhook(notice, this.clock());
      this.webhookDueAt = this.clock();
      this.rearm();
      return { queued: true as const };
    });
  }

  /** Sends the ops webhook notices that are due (the alarm starts this; tests await it). */
  async deliverWebhooks(): Promise<void> {
    if (!this.sendingWebhooks) {
      this.sendingWebhooks = this.sendDueWebhooks().finally(() => {
        this.sendingWebhooks = null;
        this.rearm();
      });
    }
    await this.sendingWebhooks;
  }

  private async sendDueWebhooks(): Promise<void> {
    try {
      await this.sendWebhookBatch();
      this.webhookDueAt = this.store.nextWebhookAt();
    } catch (error) {
      // D1 (the org's settings) unreachable: the notices wait for the next try.
      console.warn("ops webhook run failed", String(error));
      this.webhookDueAt = this.clock() + webhookRetryDelayMs(1);
    }
  }

  private async sendWebhookBatch(): Promise<void> {
    const zone = this.state.zone;
    const due = zone ? this.store.dueWebhooks(this.clock(), WEBHOOK_BATCH_SIZE) : [];
    const target = due.length > 0 && zone ? await readWebhookTarget(this.env.DB, zone.orgId) : null;
    const production = this.env.ENVIRONMENT === "production";
    await Promise.all(
      due.map(async (row) => {
        // Without a webhook there is nobody to tell: the notice was for ops sockets only.
        const error = target ? await postNotice(target, row.payload, production) : null;
        if (error === null) return this.store.webhookDone(row.id);
        const now = this.clock();
        const { deadLetter, ...failure } = failedWebhookAttempt(row, error, now);
        if (deadLetter) {
          try {
            await writeDeadLetter(this.env.DB, { notice: row.payload, ...failure, failedAt: now });
            return this.store.webhookDone(row.id);
          } catch (deadLetterError) {
            console.warn("dead letter write failed; the notice stays queued", String(deadLetterError));
          }
        }
        this.store.webhookFailed(row.id, failure);
      }),
    );
  }

  // ── sockets ─────────────────────────────────────────────────────────────────────────────

  /**
   * Takes a socket the Worker has authenticated: `audience` says whose stream it is, `since`
   * which events it already has. Missed events are sent first, in order, then live ones follow:
   * the object handles one thing at a time, so nothing falls between the two.
   */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const identity: SocketIdentity = {
      audience: url.searchParams.get("audience") ?? "",
      orgId: url.searchParams.get("org") ?? "",
      driverId: url.searchParams.get("driver"),
    };
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket" || this.state.zone?.orgId !== identity.orgId) {
      return new Response("Not found", { status: 404 });
    }
    if (identity.driverId) {
      for (const old of this.ctx.getWebSockets(identity.audience)) old.close(CLOSE.replaced, "replaced by a newer connection");
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [identity.audience]);
    server.serializeAttachment(identity);
    for (const payload of this.store.eventsSince(identity.audience, Number(url.searchParams.get("since") ?? 0))) {
      send(server, payload);
    }
    if (identity.driverId) this.decide(identity.orgId, (tx) => markHeardFrom(tx, identity.driverId as string));
    const offered = request.headers.get("Sec-WebSocket-Protocol")?.split(",").map((p) => p.trim()) ?? [];
    const headers = offered.includes("dispatch.v2") ? { "Sec-WebSocket-Protocol": "dispatch.v2" } : undefined;
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    try {
      this.answerMessage(ws, raw);
    } catch (error) {
      // A message must never take the object down or touch other sockets.
      console.error("socket message failed", error);
      send(ws, { type: "error", message: "internal error" });
    }
  }

  private answerMessage(ws: WebSocket, raw: string | ArrayBuffer): void {
    const identity = ws.deserializeAttachment() as SocketIdentity | null;
    if (!identity?.driverId) return send(ws, { type: "error", message: "this socket is read-only" });
    if (!this.messageRate.allows(ws, Date.now())) {
      return send(ws, { type: "error", message: "rate limited: at most 20 messages per second" });
    }
    const parsed = parseDriverMessage(raw);
    if (!parsed.ok) return send(ws, { type: "error", message: parsed.error });
    const { message } = parsed;
    const id = message.id === undefined ? {} : { id: message.id };
    if (message.type === "ping") {
      this.decide(identity.orgId, (tx) => markHeardFrom(tx, identity.driverId as string));
      return send(ws, { type: "pong", ...id });
    }
    const result = this.decide(identity.orgId, ruleFor(message, identity.driverId));
    send(ws, result.ok ? { type: "ack", for: message.type, ok: true, ...id, ...result.value } : { type: "ack", for: message.type, ok: false, ...id, error: result.error.message });
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    // Echo the close so the runtime can finish the handshake; 1005/1006 may not be sent back.
    if (code !== 1005 && code !== 1006) {
      try {
        ws.close(code, "closing");
      } catch {
        // already closed
      }
    }
  }

  /** Does nothing inside the object: the baseline the benchmarks compare real calls against. */
  async noop(): Promise<null> {
    return null;
  }

  // ── timers and the outbox ───────────────────────────────────────────────────────────────

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (this.state.zone) this.commitRule((tx) => fireDueTimers(tx));
    this.store.pruneEvents(this.clock() - EVENT_RETENTION_MS);
    // Webhook sends run beside the zone's work: a slow or failing receiver delays nothing.
    if (this.webhookDueAt !== null && this.webhookDueAt <= this.clock()) void this.deliverWebhooks();
    if (this.flush.dueAt !== null && this.flush.dueAt <= this.clock()) await this.flushOutbox();
    this.rearm();
  }

  /** Sends pending outbox rows to D1 now; answers how many rows are still waiting. */
  async flushOutbox(): Promise<{ remaining: number }> {
    if (!this.flushing) {
      this.flushing = this.flushOnce().finally(() => {
        this.flushing = null;
      });
    }
    await this.flushing;
    return { remaining: this.store.outboxSize() };
  }

  private async flushOnce(): Promise<void> {
    const rows = this.store.outboxBatch(FLUSH_BATCH_SIZE);
    const last = rows.at(-1);
    if (!last) return this.scheduleFlush({ dueAt: null, attempts: 0 });
    try {
      await writeOutboxToD1(this.outboxTarget, rows);
    } catch (error) {
      const attempts = this.flush.attempts + 1;
      console.warn(`outbox flush failed (attempt ${attempts}), retrying`, String(error));
      return this.scheduleFlush({ dueAt: this.clock() + flushRetryDelayMs(attempts), attempts });
    }
    this.store.deleteOutboxThrough(last.seq);
    this.scheduleFlush({ dueAt: this.store.outboxSize() > 0 ? this.clock() : null, attempts: 0 });
  }

  /**
   * Only the retry count needs storing: after a restart, pending outbox rows are flushed at once
   * anyway (see the constructor), so a plain "flush now" costs no write on the decision path.
   */
  private scheduleFlush(schedule: FlushSchedule): void {
    if (schedule.attempts > 0 || this.flush.attempts > 0) this.store.saveFlushSchedule(schedule);
    this.flush = schedule;
    this.rearm();
  }

  /** Keeps the one alarm at the earliest of every timer and the next flush. */
  private rearm(): void {
    // While a webhook run is out, its end re-arms: a due time in the past would spin the alarm.
    const webhooks = this.sendingWebhooks ? null : this.webhookDueAt;
    const candidates = [this.state.nextDueAt(), this.flush.dueAt, webhooks].filter((t): t is number => t !== null);
    if (candidates.length === 0) return;
    const earliest = Math.min(...candidates);
    // An alarm already standing at or before that time will come; one in the past has fired
    // (or is firing now) and may not look again, so it does not count.
    if (this.alarmAt !== null && this.alarmAt > this.clock() && this.alarmAt <= earliest) return;
    this.alarmAt = earliest;
    void this.ctx.storage.setAlarm(earliest);
  }

  // ── plumbing ────────────────────────────────────────────────────────────────────────────

  /** Runs a rule for the caller's org and commits what it changed. */
  private decide<T>(orgId: string, rule: (tx: ZoneTx) => T): ZoneResult<T> {
    return toZoneResult(() => {
      this.requireOrg(orgId);
      return this.commitRule(rule);
    });
  }

  /** Runs a read over the zone as a decision would see it, committing nothing. */
  private read<T>(orgId: string, view: (tx: ZoneTx) => T): ZoneResult<T> {
    return toZoneResult(() => {
      this.requireOrg(orgId);
      return view(this.newTx());
    });
  }

  private commitRule<T>(rule: (tx: ZoneTx) => T): T {
    const tx = this.newTx();
    const value = rule(tx);
    this.commit(tx.changes);
    return value;
  }

  private newTx(): ZoneTx {
    return new ZoneTx(this.state, this.clock(), undefined, (driverId) => this.ctx.getWebSockets(audience.driver(driverId)).length > 0);
  }

  /**
   * Stores a decision with its numbered events in one transaction, applies it to memory, then
   * pushes the events. Sending never fails a decision: it is already durable and replayable.
   */
  private commit(changes: ZoneChanges): void {
    const rows = this.stream.sequence(changes.events, this.clock());
    this.store.commit(changes, rows);
    this.state.apply(changes);
    this.stream.committed(rows);
    for (const row of rows) for (const ws of this.ctx.getWebSockets(row.audience)) send(ws, row.payload);
    if (changes.notifications.length > 0) this.webhookDueAt = Math.min(this.webhookDueAt ?? Number.POSITIVE_INFINITY, this.clock());
    const outboxGrew = changes.audit.length > 0 || changes.history.length > 0 || changes.unassigned.size > 0 || changes.tickets.length > 0;
    if (outboxGrew && this.flush.dueAt === null) {
      this.scheduleFlush({ dueAt: this.clock(), attempts: 0 });
    } else {
      this.rearm();
    }
  }

  /** An object answers only for the org and zone it was configured with (tenancy). */
  private requireOrg(orgId: string): void {
    if (this.state.zone?.orgId !== orgId) throw notFound("Zone not found");
  }
}

function throwNotFound(message: string): never {
  throw notFound(message);
}
