/*
 * The API's answers the console reads. Contract types where the contracts have them; the board
 * route's offers and health counts have no schema of their own, so their fields are written
 * out here as src/worker/presenters.ts (`offerView`) and src/domain/zone-health.ts shape them
 * (browser code sees contract types only: docs/architecture.md).
 */
import type { DeliveryView, DispatchMode } from "../../../contracts/deliveries";
import type { DriverView } from "../../../contracts/drivers";
import type { ZoneEvent } from "../../../contracts/events";
import type { SupportTicketView, UnassignedOrderView } from "../../../contracts/escalation";
import type { OfferPayload, OfferStatus } from "../../../contracts/offers";
import type { Availability } from "../../../contracts/statuses";
import type { ZoneView } from "../../../contracts/zones";

export type { DeliveryView, DriverView, SupportTicketView, UnassignedOrderView, ZoneView };

export interface ZoneLiveCounts {
  driversByAvailability: Record<Availability, number>;
  driversOnline: number;
  pendingDeliveries: number;
  activeDeliveries: number;
  pendingOffers: number;
  /** Waiting deliveries by their unassigned record's escalation level, "0" … "3". */
  unassignedByLevel: Record<string, number>;
}

interface BoardOffer {
  id: string;
  deliveryId: string;
  driverId: string;
  status: OfferStatus;
  mode: DispatchMode;
  payload: OfferPayload;
  createdAt: string;
  expiresAt: string;
}

/** GET /v2/admin/zones/:zoneId/board: the zone's live working set. */
export interface Board {
  zone: ZoneView;
  health: ZoneLiveCounts;
  drivers: DriverView[];
  deliveries: DeliveryView[];
  offers: BoardOffer[];
}

/** An ops stream event as sent: checked against its schema by the zone, numbered per stream. */
export type FeedEvent = ZoneEvent & { seq: number; eventId: string };
