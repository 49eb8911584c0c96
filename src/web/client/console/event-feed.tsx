/** @jsxImportSource hono/jsx/dom */
/*
 * The zone's ops stream as it happens, newest first, in words. It is a live region (role log),
 * so screen readers announce new entries without the operator leaving what they are doing.
 */
import { alertLabel, clock, stateLabel } from "./format";
import type { Connection } from "./use-zone-board";
import type { Board, FeedEvent } from "./types";

const CONNECTION_LABEL: Record<Connection, string> = {
  connecting: "Connecting to the live stream…",
  live: "Live",
  reconnecting: "Connection lost; reconnecting…",
  closed: "Live updates stopped.",
};

/** An event's own time field, whichever its type has (a status change's, an offer's …). */
const TIME_FIELDS = ["clearedAt", "raisedAt", "changedAt", "createdAt", "acceptedAt", "rejectedAt", "cancelledAt", "escalatedAt", "expiredAt", "updatedAt", "expiresAt"];

function timeOf(event: FeedEvent): string {
  const fields = event as unknown as Record<string, unknown>;
  const at = TIME_FIELDS.map((name) => fields[name]).find((value): value is string => typeof value === "string");
  return at ? clock(at) : "";
}

function describe(event: FeedEvent, board: Board | null): string {
  const driver = (id: string) => board?.drivers.find((d) => d.id === id)?.name ?? `driver ${id.slice(0, 8)}`;
  const order = (deliveryId: string) => board?.deliveries.find((d) => d.id === deliveryId)?.orderId ?? `delivery ${deliveryId.slice(0, 8)}`;
  switch (event.type) {
    case "offer_created":
      return `Offer made for ${order(event.deliveryId)} (${event.payload.pickupStoreName})`;
    case "offer_accepted":
      return `${driver(event.driverId)} accepted ${order(event.deliveryId)}`;
    case "offer_rejected":
      return `${driver(event.driverId)} rejected ${order(event.deliveryId)} (${stateLabel(event.reason)})`;
    case "offer_expired":
      return `Offer of ${order(event.deliveryId)} to ${driver(event.driverId)} expired`;
    case "offer_cancelled":
      return `Offer of ${order(event.deliveryId)} to ${driver(event.driverId)} withdrawn (${stateLabel(event.reason)})`;
    case "availability_changed":
      return `${driver(event.driverId)}: ${stateLabel(event.fromState)} → ${stateLabel(event.toState)}`;
    case "break_expired":
      return `${driver(event.driverId)}'s break ended`;
    case "unassigned_order_escalated":
      return `${event.sellerOrderId} escalated to level ${event.level} (${stateLabel(event.reason)})`;
    case "support_ticket_created":
      return `Ticket opened: ${event.title}`;
    case "delivery_status_changed":
      return `${event.orderId}: ${stateLabel(event.fromStatus)} → ${stateLabel(event.status)}`;
    case "delivery_created":
      return `New order ${event.orderId} from ${event.storeName}${event.dispatch === "manual" ? " (manual dispatch)" : ""}`;
    case "zone_alert":
      return `Alert: ${alertLabel(event.alert, event.value, event.threshold)}`;
    case "zone_alert_cleared":
      return `Alert cleared: ${stateLabel(event.alert)} (now ${event.clearedValue})`;
    case "driver_performance_updated":
      return `${event.driverName}: ${event.metrics.deliveriesCompleted} delivered, earnings ${event.metrics.totalEarnings.toFixed(2)}`;
    case "delivery_eta_updated":
      return `New ETA for ${order(event.deliveryId)}: delivery at ${clock(event.estimatedDeliveryTime)}`;
    default:
      return stateLabel(event.type);
  }
}

export function EventFeed(props: { feed: FeedEvent[]; board: Board | null; connection: Connection }) {
  return (
    <section class="panel" aria-labelledby="feed-title">
      <h3 id="feed-title">Live events</h3>
      <p id="connection" class={`connection connection-${props.connection}`} role="status">
        {CONNECTION_LABEL[props.connection]}
      </p>
      {/* The log is the scroll box, focusable so the keyboard can scroll it; the list keeps list semantics. */}
      <div class="feed" role="log" aria-live="polite" aria-label="Zone events, newest first" tabindex={0}>
        <ol id="feed">
          {props.feed.map((event) => (
            <li key={event.eventId} class={`event event-${event.type}`}>
              <time>{timeOf(event)}</time> {describe(event, props.board)}
            </li>
          ))}
        </ol>
      </div>
      {props.feed.length === 0 ? <p>No events yet.</p> : null}
    </section>
  );
}
