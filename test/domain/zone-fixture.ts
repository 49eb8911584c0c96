import type { Coordinates } from "../../src/contracts/common";
import type { DeliveryRequirements } from "../../src/contracts/deliveries";
import type { VehicleType } from "../../src/contracts/drivers";
import { DEFAULT_ZONE_SETTINGS, type ZoneSettings } from "../../src/contracts/zones";
import { changeAvailability } from "../../src/domain/availability-changes";
import { acceptDelivery } from "../../src/domain/delivery-intake";
import { registerDriver } from "../../src/domain/driver-roster";
import { DomainError } from "../../src/domain/errors";
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
} from "../../src/domain/model";
import type { CommandCall } from "../../src/domain/driver-messages";
import { settle } from "../../src/domain/settle";
import type { ZoneChanges } from "../../src/domain/zone-changes";
import { type CommandInput, type CommandName, type CommandValue, runDecision } from "../../src/domain/zone-commands";
import { type ZoneArchive, ZoneState, totalsOver } from "../../src/domain/zone-state";
import { ZoneTx } from "../../src/domain/zone-tx";
import { rebuildZoneState } from "../../src/domain/zone-reload";
import { type FlushFault, OutboxFlush, SimulatedD1 } from "./outbox-model";
import { zoneStorage } from "./zone-storage";

export const T0 = Date.parse("2026-02-01T10:00:00.000Z");

export const OPS: Actor = { type: "admin", id: "30000000-0000-4000-8000-000000000003" };
export const SERVICE: Actor = { type: "service", id: null };
export const driverActor = (id: string): Actor => ({ type: "driver", id });

/** Everything a zone ever committed, newest version of each record, plus every audit/history row. */
export interface ZoneLog {
  deliveries: Map<string, DeliveryRecord>;
  offers: Map<string, OfferRecord>;
  assignments: Map<string, AssignmentRecord>;
  audit: AuditEntry[];
  history: HistoryEntry[];
  /** Every socket event and ops notice committed, in order. */
  events: ZoneChanges["events"];
  notifications: OpsNotification[];
}

/** An archive that also keeps what it was given, so tests can read every record ever written. */
export function recordingArchive(): ZoneArchive & { log: ZoneLog } {
  const log: ZoneLog = { deliveries: new Map(), offers: new Map(), assignments: new Map(), audit: [], history: [], events: [], notifications: [] };
  return {
    log,
    delivery: (id) => log.deliveries.get(id),
    offer: (id) => log.offers.get(id),
    assignment: (id) => log.assignments.get(id),
    performanceTotals: (driverId, range) => totalsOver(log.offers.values(), log.deliveries.values(), driverId, range),
    remember(changes) {
      for (const d of changes.deliveries.values()) log.deliveries.set(d.id, d);
      for (const o of changes.offers.values()) log.offers.set(o.id, o);
      for (const a of changes.assignments.values()) log.assignments.set(a.id, a);
      log.audit.push(...changes.audit);
      log.history.push(...changes.history);
      log.events.push(...changes.events);
      log.notifications.push(...changes.notifications);
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Whether a decision queued rows for D1 (the object then asks its flusher for a flush). */
const addsOutboxRows = (c: ZoneChanges) =>
  c.audit.length > 0 || c.history.length > 0 || c.unassigned.size > 0 || c.tickets.length > 0 || c.costs.length > 0;

/** Records are never mutated in place (model.ts): freezing them makes any in-place write throw. */
function freezeChanges(changes: ZoneChanges): void {
  for (const { record } of changes.drivers.values()) deepFreeze(record);
  for (const d of changes.deliveries.values()) deepFreeze(d);
  for (const o of changes.offers.values()) deepFreeze(o);
  for (const a of changes.assignments.values()) deepFreeze(a);
  for (const e of changes.audit) deepFreeze(e);
  for (const h of changes.history) deepFreeze(h);
}

export interface DriverInput {
  location?: Coordinates | null;
  vehicleType?: VehicleType | null;
  capabilities?: string[];
}

export interface DeliveryInput {
  pickup?: Coordinates;
  dropoff?: Coordinates;
  priority?: number;
  estimatedPrepTimeMinutes?: number;
  requirements?: DeliveryRequirements;
  dispatch?: "auto" | "manual";
  storeName?: string;
}

export type Attempt<T> = { ok: true; value: T } | { ok: false; error: DomainError };

/**
 * An in-memory zone driven the way the zone object drives it: each step is one decision — a
 * command of the registry (`command`), or a single rule followed by settle (`run`), the two steps
 * `runDecision` takes — whose changes are then committed and applied, with time passed in. A
 * decision that throws applies nothing.
 *
 * Beside memory it keeps what the object's storage would hold (`storage`; the archive's log is
 * the records tables), so `restart` can rebuild the zone from that alone, and an outbox flushed
 * into a simulated D1 (`flush`, with a fault chosen by the caller).
 */
export function memoryZone(settings: Partial<ZoneSettings> = {}, options: { freeze?: boolean } = {}) {
  const archive = recordingArchive();
  const storage = zoneStorage();
  const d1 = new SimulatedD1();
  let state = new ZoneState(archive);
  let flusher = new OutboxFlush(storage, T0);
  let seq = 0;
  const newId = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, "0")}`;
  const zone: ZoneConfig = {
    id: "10000000-0000-4000-8000-000000000001",
    orgId: "20000000-0000-4000-8000-000000000002",
    name: "Central",
    polygon: { type: "Polygon", coordinates: [[[77.5, 12.9], [77.7, 12.9], [77.7, 13], [77.5, 13], [77.5, 12.9]]] },
    priorityLevel: 3,
    minDriversOnline: 5,
    targetWaitTimeSeconds: 300,
    timezone: "UTC",
    settings: { ...DEFAULT_ZONE_SETTINGS, ...settings },
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
  };
  state.zone = zone;
  /** As ZoneDispatcher.commit: store, apply to memory, then tell the flusher about new rows. */
  function apply(at: number, changes: ZoneChanges): void {
    if (options.freeze) freezeChanges(changes);
    storage.commit(changes);
    state.apply(changes);
    if (addsOutboxRows(changes)) flusher.rowsAdded(at);
  }
  function run<T>(at: number, rule: (tx: ZoneTx) => T): T {
    const tx = new ZoneTx(state, at, newId);
    const value = rule(tx);
    settle(tx);
    apply(at, tx.changes);
    return value;
  }
  /** One command of the registry, exactly as the zone object runs it. */
  function command<N extends CommandName>(at: number, name: N, input: CommandInput<N>): CommandValue<N> {
    const { value, changes } = runDecision(state, name, input, at, { newId });
    apply(at, changes);
    return value;
  }
  /**
   * The object is evicted and wakes at `at`: memory is rebuilt from storage by the object's own
   * load path, and the flusher starts from its stored schedule. Everything held only in memory
   * (unsaved position ticks, customer tracking marks, the flusher's plain "due now") is gone.
   */
  function restart(at: number): void {
    const stored = storage.workingSet(archive.log);
    if (options.freeze) deepFreeze(stored);
    state = rebuildZoneState(archive, stored);
    flusher = new OutboxFlush(storage, at);
  }
  /** The alarm's flush step: runs only once the flusher is due. */
  function flush(at: number, fault: FlushFault): "not-due" | ReturnType<OutboxFlush["flush"]> {
    if (flusher.dueAt === null || flusher.dueAt > at) return "not-due";
    return flusher.flush(at, d1, fault);
  }
  /** Like run, but a DomainError comes back as a value (and, as with run, nothing is applied). */
  function attempt<T>(at: number, rule: (tx: ZoneTx) => T): Attempt<T> {
    try {
      return { ok: true, value: run(at, rule) };
    } catch (error) {
      if (error instanceof DomainError) return { ok: false, error };
      throw error;
    }
  }
  /** Like command, but a DomainError comes back as a value. */
  function attemptCommand(at: number, call: CommandCall): Attempt<unknown> {
    try {
      return { ok: true, value: command(at, call.name, call.input as CommandInput<typeof call.name>) };
    } catch (error) {
      if (error instanceof DomainError) return { ok: false, error };
      throw error;
    }
  }
  /** A read-only view of the zone now (a ZoneTx whose changes are never applied). */
  function view(at: number = T0): ZoneTx {
    return new ZoneTx(state, at, () => {
      throw new Error("a read view must not create records");
    });
  }
  function addDriver(at = T0, input: DriverInput = {}) {
    return run(at, (tx) =>
      registerDriver(tx, newId(), {
        name: "Asha K",
        phone: "+919876543210",
        vehicle: "Activa",
        vehicleType: input.vehicleType === null ? undefined : (input.vehicleType ?? "scooter"),
        capabilities: input.capabilities ?? [],
        location: input.location === null ? undefined : (input.location ?? { lat: 12.95, lon: 77.6 }),
      }),
    );
  }
  /** Registers a driver at `location` and makes it available (resumed by the driver itself). */
  function addOnlineDriver(at = T0, input: DriverInput = {}): DriverRecord {
    const driver = addDriver(at, input);
    return run(at, (tx) => changeAvailability(tx, driver.id, "resume", driverActor(driver.id)));
  }
  function addDelivery(at = T0, input: DeliveryInput = {}): DeliveryRecord {
    const id = newId();
    return run(at, (tx) =>
      acceptDelivery(
        tx,
        {
          id,
          orderId: `order-${id.slice(-4)}`,
          sellerOrderId: `seller-${id.slice(-4)}`,
          storeName: input.storeName ?? "Corner Store",
          pickup: input.pickup ?? { lat: 12.95, lon: 77.6 },
          dropoff: input.dropoff ?? { lat: 12.97, lon: 77.62 },
          priority: input.priority ?? 50,
          estimatedPrepTimeMinutes: input.estimatedPrepTimeMinutes ?? 5,
          requirements: input.requirements ?? {},
          dispatch: input.dispatch ?? "auto",
          trackingTokenHash: `hash-${id}`,
        },
        SERVICE,
      ),
    );
  }
  const driver = (id: string) => view().requireDriver(id);
  const delivery = (id: string) => view().requireDelivery(id);
  const offer = (id: string) => {
    const found = view().offer(id);
    if (!found) throw new Error(`no offer ${id}`);
    return found;
  };
  /** Every offer ever made for a delivery, oldest first. */
  const offersOf = (deliveryId: string) => [...archive.log.offers.values()].filter((o) => o.deliveryId === deliveryId);
  const pendingOffersOf = (deliveryId: string) => offersOf(deliveryId).filter((o) => o.status === "PENDING");
  const auditOf = (deliveryId: string) => archive.log.audit.filter((e) => e.deliveryId === deliveryId);
  return {
    get state() {
      return state;
    },
    zone,
    log: archive.log,
    storage,
    d1,
    restart,
    flush,
    flushDueAt: () => flusher.dueAt,
    run,
    command,
    attempt,
    attemptCommand,
    view,
    addDriver,
    addOnlineDriver,
    addDelivery,
    driver,
    delivery,
    offer,
    offersOf,
    pendingOffersOf,
    auditOf,
    newId,
  };
}

export type MemoryZone = ReturnType<typeof memoryZone>;
