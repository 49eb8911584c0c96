/*
 * What an ops stream event means for the board on screen. Events are applied at once, so the
 * board moves the moment the zone decides; then the parts of the board the event touches are
 * re-read, because an event carries only what changed (an `offer_created` names no driver, a
 * status change says nothing of the freed driver) and the zone's own answer is the truth.
 */
import type { Board, FeedEvent } from "./types";

/** What to read again after an event. */
export interface Refresh {
  board: boolean;
  /** Unassigned orders and open tickets. */
  queues: boolean;
}

export function refreshFor(event: FeedEvent): Refresh {
  switch (event.type) {
    case "offer_created":
    case "offer_accepted":
    case "offer_rejected":
    case "offer_expired":
    case "offer_cancelled":
    case "availability_changed":
    case "break_expired":
      return { board: true, queues: false };
    // An assignment or a cancellation also closes the delivery's unassigned record; a new
    // delivery nobody could take opens one in the same decision.
    case "delivery_created":
    case "delivery_status_changed":
    case "unassigned_order_escalated":
    case "support_ticket_created":
      return { board: true, queues: true };
    // Positions, health figures and alerts are applied from the event itself; ETAs are not on the board.
    default:
      return { board: false, queues: false };
  }
}

const ENDED = new Set(["delivered", "failed", "cancelled"]);

export function applyEvent(board: Board, event: FeedEvent): Board {
  switch (event.type) {
    case "availability_changed":
      return {
        ...board,
        drivers: board.drivers.map((d) =>
          d.id === event.driverId ? { ...d, availability: event.toState, availabilityReason: event.reason ?? null } : d,
        ),
      };
    case "delivery_status_changed":
      return {
        ...board,
        // An ended delivery leaves the zone's working set, and so the board.
        deliveries: ENDED.has(event.status)
          ? board.deliveries.filter((d) => d.id !== event.deliveryId)
          : board.deliveries.map((d) => (d.id === event.deliveryId ? { ...d, status: event.status } : d)),
      };
    case "offer_accepted":
      return {
        ...board,
        offers: board.offers.filter((o) => o.id !== event.offerId),
        deliveries: board.deliveries.map((d) =>
          d.id === event.deliveryId ? { ...d, status: "assigned", assignedDriverId: event.driverId } : d,
        ),
      };
    case "offer_rejected":
    case "offer_expired":
    case "offer_cancelled":
      return { ...board, offers: board.offers.filter((o) => o.id !== event.offerId) };
    case "delivery_location_updated": {
      // Only a busy driver's position is streamed, as the position of the delivery it carries.
      const driverId = board.deliveries.find((d) => d.id === event.deliveryId)?.assignedDriverId;
      const { lat, lon, accuracyMeters } = event.location;
      return {
        ...board,
        drivers: board.drivers.map((d) =>
          d.id === driverId ? { ...d, location: { lat, lon, accuracyMeters, recordedAt: event.updatedAt } } : d,
        ),
      };
    }
    case "zone_health_updated":
      return { ...board, health: { ...board.health, ...event.metrics, updatedAt: event.updatedAt } };
    case "zone_alert": {
      const { alert, value, threshold, raisedAt } = event;
      const others = board.health.alerts.filter((a) => a.alert !== alert);
      return { ...board, health: { ...board.health, alerts: [...others, { alert, value, threshold, raisedAt }] } };
    }
    case "zone_alert_cleared":
      return { ...board, health: { ...board.health, alerts: board.health.alerts.filter((a) => a.alert !== event.alert) } };
    default:
      return board;
  }
}
