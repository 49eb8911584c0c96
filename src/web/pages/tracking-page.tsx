import type { TrackingView } from "../../contracts/tracking";
import { type Point, polylinePoints, projectionFor } from "../shared/schematic";
import { type RatingControl, RatingPanel } from "./rating-panel";
import { STATUS_LABEL, clockTime, timelineSteps, updatedAgo } from "../shared/tracking-timeline";
import { type PageAssets, PageShell } from "./page-shell";

/** What the page's script needs beyond the view: which order, with which token. */
export interface TrackingPageData {
  orderId: string;
  token: string;
  view: TrackingView;
  now: number;
}

/** The SVG schematic: store, customer, and the driver with the trail it has left. */
function TrackingSchematic(props: { view: TrackingView; trail: Point[] }) {
  const { view, trail } = props;
  const driver = view.location;
  const projection = projectionFor([view.pickup, view.dropoff, ...trail, ...(driver ? [driver] : [])]);
  const pickup = projection.place(view.pickup);
  const dropoff = projection.place(view.dropoff);
  const at = driver ? projection.place(driver) : null;
  return (
    <svg id="schematic" viewBox={`0 0 ${projection.width} ${projection.height}`} role="img" aria-labelledby="schematic-title">
      <title id="schematic-title">{at ? "Where your driver is, between the store and you" : "The store and your address"}</title>
      <line class="route" x1={pickup.x} y1={pickup.y} x2={dropoff.x} y2={dropoff.y} />
      <polyline id="trail" class="trail" points={polylinePoints(projection, trail)} />
      <circle class="pickup" cx={pickup.x} cy={pickup.y} r="7" />
      <text class="label" x={pickup.x + 10} y={pickup.y + 4}>Store</text>
      <rect class="dropoff" x={dropoff.x - 7} y={dropoff.y - 7} width="14" height="14" />
      <text class="label" x={dropoff.x + 10} y={dropoff.y + 4}>You</text>
      {at ? <circle id="driver-marker" class="driver" cx={at.x} cy={at.y} r="8" /> : null}
    </svg>
  );
}

/** Everything below the header: rendered by the server first, then again by the script on each change. */
export function TrackingBody(props: { view: TrackingView; now: number; trail: Point[]; rating?: RatingControl }) {
  const { view, now } = props;
  const steps = timelineSteps(view.status);
  const when = (iso: string | undefined) => (iso ? clockTime(iso, view.timezone) : "—");
  return (
    <div id="tracking-body">
      <p id="status" class={`status status-${view.status}`} aria-live="polite">
        {STATUS_LABEL[view.status] ?? view.status}
      </p>
      {steps.length ? (
        <ol class="timeline" aria-label="Delivery progress">
          {steps.map((step) => (
            <li class={`step step-${step.state}`} aria-current={step.state === "current" ? "step" : undefined}>
              {step.label}
            </li>
          ))}
        </ol>
      ) : null}
      <dl class="facts">
        <dt>Estimated pickup</dt>
        <dd id="eta-pickup">{when(view.estimatedPickupTime)}</dd>
        <dt>Estimated delivery</dt>
        <dd id="eta-delivery">{when(view.estimatedDeliveryTime)}</dd>
        {view.driver ? (
          <>
            <dt>Driver</dt>
            <dd id="driver-name">
              {view.driver.name} · {view.driver.vehicle}
            </dd>
            <dt>Phone</dt>
            <dd id="driver-phone">{view.driver.phone}</dd>
          </>
        ) : null}
      </dl>
      <RatingPanel view={view} control={props.rating} />
      <TrackingSchematic view={view} trail={props.trail} />
      <p id="updated" class="updated">
        {updatedAgo(view.location?.lastUpdated ?? view.updatedAt, now)}
      </p>
    </div>
  );
}

/** GET /track/:orderId with a valid token: the customer's tracking page. */
export function TrackingPage(props: { data: TrackingPageData; assets: PageAssets }) {
  const { view, now } = props.data;
  return (
    <PageShell title={`Your order from ${view.storeName}`} assets={props.assets} data={props.data}>
      <main class="page tracking">
        <header>
          <h1>{view.storeName}</h1>
          <p class="subtitle">Times are shown in {view.timezone}.</p>
        </header>
        <div id="live">
          <TrackingBody view={view} now={now} trail={view.location ? [view.location] : []} />
        </div>
        <p id="connection" class="connection" role="status"></p>
      </main>
    </PageShell>
  );
}

/** The same page for every order id when the link does not open one (401). */
export function InvalidLinkPage(props: { assets: PageAssets }) {
  return (
    <PageShell title="Tracking link not valid" assets={props.assets}>
      <main class="page invalid">
        <h1>This tracking link is not valid or has expired</h1>
        <p>Please use the latest link from your order confirmation, or contact the store.</p>
      </main>
    </PageShell>
  );
}
