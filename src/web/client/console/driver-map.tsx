/** @jsxImportSource hono/jsx/dom */
/*
 * The zone on the map-free schematic (the tracking page's projection): its outline, where each
 * driver was last seen, coloured by availability, and the pickups of the live deliveries. The
 * tables next to it carry the same facts for readers who do not see the picture.
 */
import { type Point, polylinePoints, projectionFor } from "../../shared/schematic";
import { stateLabel } from "./format";
import type { Board } from "./types";

export function DriverMap(props: { board: Board }) {
  const { zone, drivers, deliveries } = props.board;
  const outline: Point[] = (zone.polygon.coordinates[0] ?? []).map(([lon = 0, lat = 0]) => ({ lat, lon }));
  const placed = drivers.filter((d) => d.location);
  const projection = projectionFor([...outline, ...placed.map((d) => d.location!), ...deliveries.map((d) => d.pickup)], 480, 300);
  const titleId = `map-title-${zone.id}`;
  return (
    <figure class="map">
      <svg viewBox={`0 0 ${projection.width} ${projection.height}`} role="img" aria-labelledby={titleId}>
        <title id={titleId}>
          {`${zone.name}: ${placed.length} drivers with a known position, ${deliveries.length} live deliveries`}
        </title>
        <polygon class="zone-outline" points={polylinePoints(projection, outline)} />
        {deliveries.map((d) => {
          const at = projection.place(d.pickup);
          return (
            <rect key={d.id} class="delivery" x={at.x - 4} y={at.y - 4} width="8" height="8">
              <title>{`Pickup of ${d.orderId} (${stateLabel(d.status)})`}</title>
            </rect>
          );
        })}
        {placed.map((d) => {
          const at = projection.place(d.location!);
          return (
            <g key={d.id}>
              <circle class={`driver-dot ${d.availability}`} cx={at.x} cy={at.y} r="6">
                <title>{`${d.name} (${stateLabel(d.availability)})`}</title>
              </circle>
              <text class="label" x={at.x + 9} y={at.y + 4}>
                {d.name.split(" ")[0]}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption class="legend">
        Dots: drivers (green available, blue busy, grey away). Squares: pickups of live deliveries.
      </figcaption>
    </figure>
  );
}
