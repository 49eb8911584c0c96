import { DurableObject } from "cloudflare:workers";
import type { OfferStatus } from "../contracts/offers";
import type { DriverPerformanceView, PerformancePeriod } from "../contracts/performance";
import type { DeliveryEvent } from "../contracts/delivery-webhooks";
import { audience } from "../domain/audiences";
import { deliveryEventsOf } from "../domain/delivery-events";
import { type DeliveryWebhookPolicy, deliveryWebhookPolicy } from "../domain/delivery-webhook-policy";
import { customerView } from "../domain/delivery-tracking";
import { isRelaxedEnvironment } from "../domain/environment";
import { DomainError, notFound } from "../domain/errors";
import { d1WriteFailureRate } from "../domain/fault-injection";
import { driverPerformance } from "../domain/performance-view";
import type {
  AssignmentRecord,
  AuditEntry,
  DeliveryRecord,
  DriverRecord,
  HistoryEntry,
  OfferRecord,
  OpsNotification,
  ZoneConfig,
} from "../domain/model";
import { type CommandInput, type CommandName, type CommandValue, runDecision } from "../domain/zone-commands";
import type { ZoneChanges } from "../domain/zone-changes";
import type { ZoneHealth } from "../contracts/board";
import { healthAnnouncement } from "../domain/health-watch";
import { healthFiguresOf, zoneHealth } from "../domain/zone-health";
import { type ZoneMetricsSnapshot, countDecision, zoneGauges } from "../domain/zone-metrics";
import type { ZoneState } from "../domain/zone-state";
import { ZoneTx } from "../domain/zone-tx";
import { nextAlarmAt } from "./alarm-plan";
import { type DecisionLine, logDecision } from "./decision-log";
import { DeliveryWebhookSender } from "./delivery-webhook-sender";
import { EventStream } from "./event-stream";
import { OutboxFlusher } from "./outbox-flusher";
import { WebhookSender } from "./webhook-sender";
import type { ZoneEnv } from "./zone-env";
import { type ZoneResult, toZoneResult } from "./zone-result";
import { ZoneSockets } from "./zone-sockets";
import { ZoneStore } from "./zone-store";

export interface ZoneBoard {
  health: ZoneHealth;
  drivers: DriverRecord[];
  deliveries: DeliveryRecord[];
  offers: OfferRecord[];
}
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

/** Socket events are kept this long for `?since` replay (at least 10 minutes). */
const EVENT_RETENTION_MS = 15 * 60_000;

/**
 * One delivery zone of one org (named `<orgId>:<zoneId>`): the shell around the zone's rules.
 * It serialises every decision that must not race: each runs one command of the registry
 * (domain/zone-commands.ts) and commits what it changed in one storage transaction before
 * answering. Sockets, outbox flushing and webhook sends live in their own modules; this class
 * keeps the RPC surface and the lifecycle hooks (fetch, webSocketMessage, webSocketClose, alarm).
 */
export class ZoneDispatcher extends DurableObject<ZoneEnv> {
  private readonly store: ZoneStore;
  private readonly stream: EventStream;
  private readonly sockets: ZoneSockets;
  private flusher!: OutboxFlusher;
  private webhooks!: WebhookSender;
  private deliveryWebhooks!: DeliveryWebhookSender;
  private state!: ZoneState;
  private alarmAt: number | null = null;
  /** When the zone's health should be looked at again (a held-back announcement, or waits drifting). */
  private healthDueAt: number | null = null;
  /** Where the outbox goes; tests swap it for a failing D1 to prove nothing is lost. */
  outboxTarget: D1Database;
  /**
   * Test seam: the object's only source of "now" (epoch ms) for decisions, timers and flush
   * backoff. Tests move it forward to end a break or pass a backoff without waiting; production
   * never assigns it.
   */
  clock: () => number = () => Date.now();
  /** Retries and failure limit of delivery webhooks; tests shorten them (read at each send run). */
  deliveryWebhookPolicy: DeliveryWebhookPolicy;
  /** Test seam: sees every committed change set (tests compare the paths into the registry). */
  onCommit: ((changes: ZoneChanges) => void) | null = null;
  /** The LOG_LEVEL var for decision lines; tests turn them on (the test config logs failures only). */
  logLevel: string | undefined;

  constructor(ctx: DurableObjectState, env: ZoneEnv) {
    super(ctx, env);
    this.store = new ZoneStore(ctx.storage);
    this.stream = new EventStream(this.store);
    this.outboxTarget = env.DB;
    this.deliveryWebhookPolicy = deliveryWebhookPolicy(env.ENVIRONMENT, env);
    this.logLevel = env.LOG_LEVEL;
    this.sockets = new ZoneSockets(ctx, {
      orgId: () => this.state.zone?.orgId ?? null,
      eventsSince: (key, since) => this.store.eventsSince(key, since),
      run: (orgId, call) => this.decideNow(orgId, call.name, call.input as CommandInput<typeof call.name>),
      greeting: (key) => (key === audience.ops && this.state.zone ? [healthAnnouncement(new ZoneTx(this.state, this.clock()))] : []),
    });
    void ctx.blockConcurrencyWhile(async () => {
      await this.store.migrate();
      this.state = this.store.load();
      const rearm = () => this.rearm();
      const faultRate = d1WriteFailureRate(env.ENVIRONMENT, env.FAULT_D1_WRITE_FAILURE_RATE);
      this.flusher = new OutboxFlusher(this.store, () => this.outboxTarget, () => this.clock(), rearm, faultRate);
      const sending = {
        store: this.store,
        db: env.DB,
        orgId: () => this.state.zone?.orgId ?? null,
        production: !isRelaxedEnvironment(env.ENVIRONMENT),
        clock: () => this.clock(),
        rearm,
      };
      this.webhooks = new WebhookSender(sending);
      this.deliveryWebhooks = new DeliveryWebhookSender({ ...sending, policy: () => this.deliveryWebhookPolicy });
      this.alarmAt = await ctx.storage.getAlarm();
      this.rearm();
    });
  }

  // ── decisions ───────────────────────────────────────────────────────────────────────────

  /**
   * Runs any command of the registry for the caller's org (the Worker's zone-client types it);
   * `traceId` is the request's, for the decision's log line.
   */
  async decide<N extends CommandName>(
    orgId: string,
    name: N,
    input: CommandInput<N>,
    traceId: string | null = null,
  ): Promise<ZoneResult<CommandValue<N>>> {
    return this.decideNow(orgId, name, input, traceId);
  }

  /** Gives the object its zone: the one decision taken before an org is known. */
  async configure(config: ZoneConfig): Promise<ZoneResult<ZoneConfig>> {
    return toZoneResult(() => this.run("configure", { config }));
  }

  /** First half of a zone move: the driver leaves, taking its unflushed history along. */
  async departDriver(orgId: string, id: string, toZoneId: string): Promise<ZoneResult<DriverDeparture>> {
    const result = toZoneResult(() => {
      this.requireOrg(orgId);
      const driver = this.run("departDriver", { driverId: id, toZoneId });
      return { driver, history: this.store.pendingFor("history", id), streamSeq: this.store.lastSeq(audience.driver(id)) };
    });
    if (result.ok && toZoneId !== this.state.zone?.id) this.sockets.driverMoved(id);
    return result;
  }

  /** Second half of a zone move (idempotent). */
  async admitDriver(orgId: string, departure: DriverDeparture): Promise<ZoneResult<DriverRecord>> {
    const admitted = this.decideNow(orgId, "admitDriver", { driver: departure.driver, history: departure.history });
    if (admitted.ok) this.stream.continueFrom(audience.driver(departure.driver.id), departure.streamSeq);
    return admitted;
  }

  /** Puts a dead-lettered notice back in the send queue, for a fresh round of attempts. */
  async requeueWebhook(orgId: string, notice: OpsNotification): Promise<ZoneResult<{ queued: true }>> {
    return toZoneResult(() => {
      this.requireOrg(orgId);
      if (notice.orgId !== orgId || notice.zoneId !== this.state.zone?.id) throw notFound("Dead letter not found");
      this.webhooks.requeue(notice);
      return { queued: true as const };
    });
  }

  /**
   * The org's webhook subscriptions changed. Without this a zone would hand out events from its
   * cached copy for up to 5 s, and a new subscription would miss them.
   */
  async subscriptionsChanged(orgId: string): Promise<ZoneResult<{ forgotten: true }>> {
    return toZoneResult(() => {
      this.requireOrg(orgId);
      this.deliveryWebhooks.forgetSubscriptions();
      return { forgotten: true as const };
    });
  }

  /** Puts a dead-lettered delivery event back in its subscription's queue, for a fresh round of attempts. */
  async requeueDeliveryEvent(orgId: string, subscriptionId: string, event: DeliveryEvent): Promise<ZoneResult<{ queued: true }>> {
    return toZoneResult(() => {
      this.requireOrg(orgId);
      if (event.data.zoneId !== this.state.zone?.id) throw notFound("Dead letter not found");
      this.deliveryWebhooks.requeue(subscriptionId, event);
      return { queued: true as const };
    });
  }

  // ── reads ───────────────────────────────────────────────────────────────────────────────

  /** The zone's live counts, health figures and standing alerts. */
  async health(orgId: string): Promise<ZoneResult<ZoneHealth>> {
    return this.read(orgId, zoneHealth);
  }

  /** The zone's gauges, counters and histograms for a Prometheus scrape (memory only, no storage read). */
  async metricsSnapshot(orgId: string): Promise<ZoneResult<ZoneMetricsSnapshot>> {
    return this.read(orgId, (tx) => {
      const { healthScore, demandLevel } = healthFiguresOf(tx).figures;
      return { zoneId: tx.zone.id, gauges: zoneGauges(this.state), counters: this.store.counters, health: { healthScore, demandLevel } };
    });
  }

  async getDriver(orgId: string, id: string): Promise<ZoneResult<DriverRecord>> {
    return this.read(orgId, (tx) => tx.requireDriver(id));
  }

  async listDrivers(orgId: string): Promise<ZoneResult<DriverRecord[]>> {
    return this.read(orgId, () => [...this.state.drivers.values()]);
  }

  /** The zone's live working set for the ops board: drivers, deliveries not ended, pending offers. */
  async board(orgId: string): Promise<ZoneResult<ZoneBoard>> {
    return this.read(orgId, (tx) => ({
      health: zoneHealth(tx),
      drivers: [...this.state.drivers.values()],
      deliveries: [...this.state.deliveries.values()],
      offers: [...this.state.offers.values()],
    }));
  }

  /** History rows of a driver not yet in D1 (the read merges them with D1). */
  async pendingHistory(orgId: string, driverId: string): Promise<ZoneResult<HistoryEntry[]>> {
    return this.read(orgId, () => this.store.pendingFor("history", driverId));
  }

  /** The driver as it left, to finish a move that was interrupted after `departDriver`. */
  async departure(orgId: string, id: string): Promise<ZoneResult<DriverDeparture>> {
    return this.read(orgId, () => {
      const driver = this.store.departedSnapshot(id);
      if (!driver) throw notFound("Driver not found");
      return { driver, history: this.store.pendingFor("history", id), streamSeq: this.store.lastSeq(audience.driver(id)) };
    });
  }

  /** Audit events of a delivery not yet in D1 (the read merges them with D1). */
  async pendingAudit(orgId: string, deliveryId: string): Promise<ZoneResult<AuditEntry[]>> {
    return this.read(orgId, () => this.store.pendingFor("audit", deliveryId));
  }

  /** A delivery with every offer made for it and its current (or last) assignment. */
  async deliveryDetail(orgId: string, id: string): Promise<ZoneResult<DeliveryDetail>> {
    return this.read(orgId, (tx) => {
      const delivery = tx.requireDelivery(id);
      const assignment = delivery.assignmentId ? (tx.assignment(delivery.assignmentId) ?? null) : null;
      return { delivery, offers: this.store.offersOfDelivery(id), assignment };
    });
  }

  /** A driver's offers, newest first (at most `limit`). */
  async driverOffers(orgId: string, driverId: string, status: OfferStatus | undefined, limit: number): Promise<ZoneResult<OfferRecord[]>> {
    return this.read(orgId, (tx) => {
      tx.requireDriver(driverId);
      return this.store.offersOfDriver(driverId, status, limit);
    });
  }

  /** A driver's figures over one period, in the zone's time zone (GET /v2/drivers/:id/performance). */
  async driverPerformance(orgId: string, driverId: string, period: PerformancePeriod): Promise<ZoneResult<DriverPerformanceView>> {
    return this.read(orgId, (tx) => driverPerformance(tx, driverId, period));
  }

  /** The customer's view of a delivery; with a token's hash, only if it is that delivery's (else 401). */
  async customerStatus(orgId: string, deliveryId: string, tokenHash: string | null): Promise<ZoneResult<CustomerView>> {
    return this.read(orgId, (tx) => customerView(tx, deliveryId, tokenHash));
  }

  /** Does nothing inside the object: the baseline the benchmarks compare real calls against. */
  async noop(): Promise<null> {
    return null;
  }

  // ── lifecycle hooks ─────────────────────────────────────────────────────────────────────

  override async fetch(request: Request): Promise<Response> {
    const response = this.sockets.connect(request);
    // A new ops socket may be the first one watching: held-back health figures become due.
    this.rearm();
    return response;
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    this.sockets.message(ws, raw);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.sockets.close(ws, code);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (this.state.zone) this.run("fireDueTimers", {});
    this.store.pruneEvents(this.clock() - EVENT_RETENTION_MS);
    // Webhook sends run beside the zone's work: a slow or failing receiver delays nothing.
    if (this.webhooks.isDue(this.clock())) void this.webhooks.deliver();
    if (this.deliveryWebhooks.isDue(this.clock())) void this.deliveryWebhooks.deliver();
    if (this.flusher.dueAt !== null && this.flusher.dueAt <= this.clock()) await this.flusher.flush();
    this.rearm();
  }

  /** Sends pending outbox rows to D1 now; answers how many rows are still waiting. */
  async flushOutbox(): Promise<{ remaining: number }> {
    return this.flusher.flush();
  }

  /** Sends the ops webhook notices that are due (the alarm starts this; tests await it). */
  async deliverWebhooks(): Promise<void> {
    await this.webhooks.deliver();
  }

  /** Sends the delivery events that are due (the alarm starts this; tests await it). */
  async deliverDeliveryWebhooks(): Promise<void> {
    await this.deliveryWebhooks.deliver();
  }

  // ── plumbing ────────────────────────────────────────────────────────────────────────────

  private decideNow<N extends CommandName>(
    orgId: string,
    name: N,
    input: CommandInput<N>,
    traceId: string | null = null,
  ): ZoneResult<CommandValue<N>> {
    return toZoneResult(() => {
      this.requireOrg(orgId);
      return this.run(name, input, traceId);
    });
  }

  /**
   * Runs a command and commits it; a refusal throws before anything is stored. Either way the
   * decision gets its log line (names and counts only: the input is never logged).
   */
  private run<N extends CommandName>(name: N, input: CommandInput<N>, traceId: string | null = null): CommandValue<N> {
    const startedAt = Date.now();
    let outcome: DecisionLine["outcome"] = "failed";
    let written = { rows: 0, events: 0 };
    try {
      const { value, changes } = runDecision(this.state, name, input, this.clock(), {
        connected: (driverId) => this.sockets.isConnected(driverId),
      });
      written = this.commit(changes);
      outcome = "committed";
      return value;
    } catch (error) {
      if (error instanceof DomainError) outcome = "refused";
      throw error;
    } finally {
      const zone = this.state.zone;
      logDecision(
        { command: name, orgId: zone?.orgId ?? null, zoneId: zone?.id ?? null, traceId, outcome, durationMs: Date.now() - startedAt, ...written },
        this.logLevel,
      );
    }
  }

  /** Runs a read over the zone as a decision would see it, committing nothing. */
  private read<T>(orgId: string, view: (tx: ZoneTx) => T): ZoneResult<T> {
    return toZoneResult(() => {
      this.requireOrg(orgId);
      return view(new ZoneTx(this.state, this.clock()));
    });
  }

  /**
   * Stores a decision with its numbered events in one transaction, applies it to memory, then
   * pushes the events. Sending never fails a decision: it is already durable and replayable.
   */
  private commit(changes: ZoneChanges): { rows: number; events: number } {
    const rows = this.stream.sequence(changes.events, this.clock());
    const deliveryEvents = deliveryEventsOf(changes);
    // Counted from the state before the decision, and stored in its transaction (never drifting from the audit).
    const counters = countDecision(this.store.counters, this.state, changes);
    const written = this.store.commit(changes, rows, deliveryEvents, counters);
    this.state.apply(changes);
    this.onCommit?.(changes);
    this.stream.committed(rows);
    this.stream.release(changes);
    this.sockets.push(rows);
    if (changes.notifications.length > 0) this.webhooks.queued();
    if (deliveryEvents.length > 0) this.deliveryWebhooks.queued();
    if (changes.healthDueAt !== undefined) this.healthDueAt = changes.healthDueAt;
    const outboxGrew =
      changes.audit.length > 0 || changes.history.length > 0 || changes.unassigned.size > 0 || changes.tickets.length > 0 || changes.costs.length > 0;
    if (outboxGrew) this.flusher.rowsAdded();
    this.rearm();
    return { rows: written, events: rows.length };
  }

  /**
   * Keeps the one alarm at the earliest of every timer, the next flush, the next webhook sends
   * and, while an ops socket is open, the next look at the zone's health (nobody else sees those
   * figures between decisions, and a new socket is sent them at once).
   */
  private rearm(): void {
    const healthDueAt = this.sockets.isWatched(audience.ops) ? this.healthDueAt : null;
    const at = nextAlarmAt({
      dueTimes: [this.state.nextDueAt(), this.flusher.dueAt, this.webhooks.dueAt, this.deliveryWebhooks.dueAt, healthDueAt],
      standing: this.alarmAt,
      now: this.clock(),
    });
    if (at === null) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /** An object answers only for the org and zone it was configured with (tenancy). */
  private requireOrg(orgId: string): void {
    if (this.state.zone?.orgId !== orgId) throw notFound("Zone not found");
  }
}
