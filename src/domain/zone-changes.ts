import type { ZoneEvent } from "../contracts/events";
import type {
  AssignmentRecord,
  AuditEntry,
  DeliveryCost,
  DeliveryRecord,
  DriverRecord,
  HealthMark,
  HistoryEntry,
  OfferRecord,
  OpsNotification,
  SupportTicket,
  TimerKind,
  UnassignedRecord,
  ZoneConfig,
} from "./model";

/** A driver write; volatile ones (location ticks) update memory but not storage. */
interface DriverWrite {
  record: DriverRecord;
  durable: boolean;
}

interface TimerWrite {
  kind: TimerKind;
  ref: string;
  /** null: the timer is removed. */
  dueAt: number | null;
}

/** What was last told a delivery's customers; kept in memory only (a restart re-announces). */
export interface TrackingMark {
  locationAt: number;
  pickupAt: number;
  deliveryAt: number;
}

/** One socket event and the streams (see audiences.ts) it goes to. */
interface AddressedEvent {
  audiences: string[];
  event: ZoneEvent;
}

/** Everything one decision changed: committed in one storage transaction, then applied to memory. */
export interface ZoneChanges {
  zone: ZoneConfig | null;
  drivers: Map<string, DriverWrite>;
  /** Drivers handed over to another zone, as they left. */
  departed: Map<string, { toZoneId: string; driver: DriverRecord }>;
  /** Drivers (re)admitted here, clearing an earlier departure. */
  arrived: Set<string>;
  deliveries: Map<string, DeliveryRecord>;
  offers: Map<string, OfferRecord>;
  assignments: Map<string, AssignmentRecord>;
  /** Unassigned records that changed, for the D1 projection (keyed by delivery). */
  unassigned: Map<string, UnassignedRecord>;
  audit: AuditEntry[];
  history: HistoryEntry[];
  /** Support tickets opened (D1 holds them from then on). */
  tickets: SupportTicket[];
  /** Notices for the org's ops webhook. */
  notifications: OpsNotification[];
  /** Drivers' pay for deliveries delivered (D1 delivery_costs). */
  costs: DeliveryCost[];
  timers: Map<string, TimerWrite>;
  events: AddressedEvent[];
  /** What each delivery's customers were last told (memory only). */
  tracking: Map<string, TrackingMark>;
  /** The zone's health mark, when this decision changed it. */
  health: HealthMark | null;
  /** When the zone's health should be looked at again (memory only): absent when it was not looked at, null when there is no need. */
  healthDueAt?: number | null;
}

export function noChanges(): ZoneChanges {
  return {
    zone: null,
    drivers: new Map(),
    departed: new Map(),
    arrived: new Set(),
    deliveries: new Map(),
    offers: new Map(),
    assignments: new Map(),
    unassigned: new Map(),
    audit: [],
    history: [],
    tickets: [],
    notifications: [],
    costs: [],
    timers: new Map(),
    events: [],
    tracking: new Map(),
    health: null,
  };
}
