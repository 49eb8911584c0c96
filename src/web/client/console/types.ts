/*
 * The API's answers the console reads, as the contracts type them (browser code sees contract
 * types only: docs/architecture.md).
 */
import type { ZoneBoardView, ZoneHealth } from "../../../contracts/board";
import type { DeliveryView } from "../../../contracts/deliveries";
import type { DriverView } from "../../../contracts/drivers";
import type { ZoneEvent } from "../../../contracts/events";
import type { SupportTicketView, UnassignedOrderView } from "../../../contracts/escalation";
import type { ZoneView } from "../../../contracts/zones";

export type { DeliveryView, DriverView, SupportTicketView, UnassignedOrderView, ZoneView };

export type ZoneLiveCounts = ZoneHealth;

/** GET /v2/admin/zones/:zoneId/board: the zone's live working set. */
export type Board = ZoneBoardView;

/** An ops stream event as sent: checked against its schema by the zone, numbered per stream. */
export type FeedEvent = ZoneEvent & { seq: number; eventId: string };
