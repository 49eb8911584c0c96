/** @jsxImportSource hono/jsx/dom */
/* The zone's drivers by availability: counts, the schematic, a table with each one's actions, and one driver's performance. */
import { PauseForm } from "./actions";
import { Age, RowWithActions } from "./board-rows";
import { DriverMap } from "./driver-map";
import { DriverPerformancePanel } from "./driver-performance";
import { stateLabel } from "./format";
import type { Board, FeedEvent } from "./types";
import { type ZoneBoardState } from "./use-zone-board";

/** Drivers who can work first, then the ones who are away. */
const AVAILABILITY_ORDER = ["available", "busy", "on_break", "paused", "offline", "shift_ended"];

export function DriversPanel(props: { board: Board; refresh: ZoneBoardState["refresh"]; feed: FeedEvent[] }) {
  const drivers = [...props.board.drivers].sort(
    (a, b) => AVAILABILITY_ORDER.indexOf(a.availability) - AVAILABILITY_ORDER.indexOf(b.availability) || a.name.localeCompare(b.name),
  );
  const counts = props.board.health.driversByAvailability;
  return (
    <section class="panel" aria-labelledby="drivers-title">
      <h3 id="drivers-title">Drivers</h3>
      <ul class="counts" aria-label="Drivers by availability">
        {AVAILABILITY_ORDER.map((state) => (
          <li key={state}>
            {stateLabel(state)}: <strong>{counts[state as keyof typeof counts] ?? 0}</strong>
          </li>
        ))}
      </ul>
      <DriverMap board={props.board} />
      {drivers.length === 0 ? (
        <p>No drivers in this zone.</p>
      ) : (
        <table id="drivers">
          <thead>
            <tr>
              <th scope="col">Driver</th>
              <th scope="col">Availability</th>
              <th scope="col" class="optional">Vehicle</th>
              <th scope="col">Last seen</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {drivers.map((d) => (
              <RowWithActions
                key={d.id}
                id={d.id}
                label={d.name}
                columns={5}
                cells={
                  <>
                    <th scope="row">{d.name}</th>
                    <td class={`state state-${d.availability}`}>
                      {stateLabel(d.availability)}
                      {d.availabilityReason ? <span class="reason"> ({stateLabel(d.availabilityReason)})</span> : null}
                    </td>
                    <td class="optional">{d.vehicle}</td>
                    <td>{d.lastSeenAt ? <Age since={d.lastSeenAt} /> : "never"}</td>
                  </>
                }
                actions={<PauseForm driver={d} refresh={props.refresh} />}
              />
            ))}
          </tbody>
        </table>
      )}
      {drivers.length > 0 ? <DriverPerformancePanel drivers={drivers} feed={props.feed} /> : null}
    </section>
  );
}

