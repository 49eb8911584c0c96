/**
 * What one zone object keeps: the records its rules read and write. Records are plain,
 * serialisable data (stored as JSON in the zone's SQLite, passed over RPC) and are never
 * mutated in place: a rule builds the next version and hands it to the ZoneTx.
 */
import type { AuditEventType } from "../contracts/audit";
import type { EscalationStatus, FailureReason, TicketStatus } from "../contracts/escalation";
import type { ActorType, Coordinates } from "../contracts/common";
import type { CustomerContact, DeliveryRequirements, DispatchMode } from "../contracts/deliveries";
import type { DriverLocation, VehicleType, ZonePreference } from "../contracts/drivers";
import type { GeoJsonPolygon } from "../contracts/geojson";
import type { OfferPayload, OfferStatus } from "../contracts/offers";
import type { Availability, DeliveryStatus } from "../contracts/statuses";
import type { ActiveAlert, HealthFigures } from "../contracts/zone-health";
import type { ZoneSettings } from "../contracts/zones";
import type { WaitBucket } from "./health-score";

/** Audit details: plain JSON, stored in D1 as they are. */
export type JsonObject = Record<string, unknown>;

export interface Actor {
  type: ActorType;
  id: string | null;
}

export const SYSTEM: Actor = { type: "system", id: null };

export interface ZoneConfig {
  id: string;
  orgId: string;
  name: string;
  polygon: GeoJsonPolygon;
  priorityLevel: number;
  minDriversOnline: number;
  targetWaitTimeSeconds: number;
  timezone: string;
  settings: ZoneSettings;
  createdAt: string;
  updatedAt: string;
}

export interface DriverRecord {
  id: string;
  orgId: string;
  zoneId: string;
  name: string;
  phone: string;
  vehicle: string;
  vehicleType: VehicleType | null;
  capabilities: string[];
  rating: number;
  availability: Availability;
  /** End of a break; null otherwise. */
  availabilityUntil: string | null;
  availabilityReason: string | null;
  availabilityChangedAt: string;
  /** When the driver entered `available` (longest idle ranks first). */
  idleSince: number | null;
  /** Last time the driver was heard from (request, location, socket), epoch ms. */
  lastSeenAt: number | null;
  location: DriverLocation | null;
  /** When this record was last written to storage (location ticks are kept in memory between). */
  savedAt: number;
  zonePreferences: Record<string, ZonePreference>;
  /** Version of the last availability-history row (gap-free 1, 2, 3 … per driver). */
  historyVersion: number;
  /** Offers received and accepted, for the acceptance rate that breaks ranking ties. */
  offerStats: { offered: number; accepted: number };
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryRecord {
  id: string;
  orgId: string;
  zoneId: string;
  orderId: string;
  sellerOrderId: string;
  sellerId: string | null;
  storeName: string;
  pickup: Coordinates;
  dropoff: Coordinates;
  priority: number;
  estimatedPrepTimeMinutes: number;
  requirements: DeliveryRequirements;
  customer: CustomerContact | null;
  dispatch: DispatchMode;
  status: DeliveryStatus;
  /** Why the delivery reached its current status (cancel / fail / release reason). */
  statusReason: string | null;
  assignedDriverId: string | null;
  /** The assignment in force (or the last one, once the delivery has ended). */
  assignmentId: string | null;
  /** Drivers who rejected, let expire, released or lost this delivery: never offered it again. */
  excludedDriverIds: string[];
  /** Automatic offers made so far (bounded by the zone's maxOfferAttempts). */
  autoOfferCount: number;
  /** When the driver reported the pickup. */
  pickedUpAt?: string | null;
  /** When the driver reported it delivered (absent on records from before ratings and earnings). */
  deliveredAt?: string | null;
  /** The driver's pay, recorded on `delivered` (delivery-earnings.ts). */
  earning?: number | null;
  /** Delivered by the accepted offer's estimate + 5 min; null without an offer to hold it to. */
  onTime?: boolean | null;
  /** The customer's rating, once given. */
  rating?: DeliveryRating | null;
  /** Set once matching has found nobody; kept up to date while the delivery waits. */
  unassigned: UnassignedRecord | null;
  /** SHA-256 (hex) of the customer's tracking token: the token itself is never stored. */
  trackingTokenHash: string;
  /** Version of the last audit event written for this delivery (gap-free 1, 2, 3 …). */
  auditVersion: number;
  createdAt: string;
  updatedAt: string;
}

interface DeliveryRating {
  rating: number;
  comment: string | null;
  ratedAt: string;
}

/** seed `delivery_costs`: a driver's pay for one delivered delivery, sent to D1 by the outbox. */
export interface DeliveryCost {
  deliveryId: string;
  orgId: string;
  zoneId: string;
  driverId: string;
  driverPayment: number;
  currency: string;
  deliveredAt: string;
}

export interface OfferRecord {
  id: string;
  orgId: string;
  zoneId: string;
  deliveryId: string;
  driverId: string;
  status: OfferStatus;
  /** `auto` offers come from matching; `manual` ones from ops (POST …/offers). */
  mode: DispatchMode;
  payload: OfferPayload;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  rejectedAt: string | null;
  rejectionReason: string | null;
  /** Why a pending offer was withdrawn (delivery taken or cancelled, driver left …). */
  cancelReason: string | null;
  responseTimeMs: number | null;
  notificationSentAt: string | null;
  notificationMethod: "websocket" | "none" | null;
}

export type AssignmentStatus = "ACTIVE" | "COMPLETED" | "FAILED" | "RELEASED" | "REASSIGNED" | "CANCELLED";

export interface AssignmentRecord {
  id: string;
  orgId: string;
  zoneId: string;
  deliveryId: string;
  driverId: string;
  /** The accepted offer, or null when ops assigned the driver directly. */
  offerId: string | null;
  status: AssignmentStatus;
  createdAt: string;
  endedAt: string | null;
  endReason: string | null;
}

/** seed 001 "Unassigned Orders": kept on the delivery, projected into D1 for cross-zone reads. */
export interface UnassignedRecord {
  id: string;
  orgId: string;
  zoneId: string;
  deliveryId: string;
  sellerOrderId: string;
  location: Coordinates;
  failureReason: FailureReason;
  firstAttemptAt: string;
  lastAttemptAt: string;
  attemptCount: number;
  escalationLevel: number;
  escalationStatus: EscalationStatus;
  supportTicketId: string | null;
  notificationSentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A ticket for ops (escalation level 1), projected into D1 where ops list and resolve it. */
export interface SupportTicket {
  id: string;
  orgId: string;
  zoneId: string;
  deliveryId: string;
  sellerOrderId: string;
  priority: "high";
  title: string;
  description: string;
  status: TicketStatus;
  createdAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: string | null;
}

/**
 * A notice for the org's ops webhook: queued in the same transaction as its cause, sent (and
 * retried) by the zone's alarm. `id` stays the same across retries, so receivers can drop repeats.
 */
export interface OpsNotification {
  id: string;
  type: "unassigned_order_escalated" | "support_ticket_created" | "zone_alert";
  orgId: string;
  zoneId: string;
  occurredAt: string;
  severity: "warning" | "critical";
  data: JsonObject;
}

/** One row of the delivery audit trail, written in the same transaction as the change. */
export interface AuditEntry {
  id: string;
  orgId: string;
  zoneId: string;
  deliveryId: string;
  timestamp: string;
  eventType: AuditEventType;
  actorId: string | null;
  actorType: ActorType;
  details: JsonObject;
  version: number;
}

/** One availability transition of a driver. */
export interface HistoryEntry {
  id: string;
  orgId: string;
  zoneId: string;
  driverId: string;
  fromState: Availability;
  toState: Availability;
  reason: string | null;
  actorId: string | null;
  actorType: ActorType;
  timestamp: string;
  version: number;
}

/**
 * What the zone keeps to judge its health (one row of the zone's storage): the recent
 * assignment waits, what ops sockets were last told, and the alerts standing.
 */
export interface HealthMark {
  waits: WaitBucket[];
  announced: { figures: HealthFigures; at: number } | null;
  alerts: ActiveAlert[];
}

export const NO_HEALTH_MARK: HealthMark = { waits: [], announced: null, alerts: [] };

/** Timer kinds the zone's single alarm multiplexes (docs/architecture.md "Timers, outbox, webhooks"). */
export type TimerKind = "break_end" | "liveness" | "offer_expiry" | "escalation";

export interface Timer {
  kind: TimerKind;
  ref: string;
  dueAt: number;
}

export const timerKey = (kind: TimerKind, ref: string) => `${kind}:${ref}`;

export const iso = (ms: number) => new Date(ms).toISOString();
