/** @jsxImportSource hono/jsx/dom */
/*
 * One zone's board: its health and alerts, its drivers (by availability, in a table and on the schematic), the
 * deliveries under way with their age, pending offers counting down, unassigned orders by
 * escalation level, open support tickets, the live feed, and the actions on each.
 */
import { DeliveriesPanel } from "./deliveries-panel";
import { DriversPanel } from "./drivers-panel";
import { EventFeed } from "./event-feed";
import { HealthPanel } from "./health-panel";
import { OffersPanel } from "./offers-panel";
import { TicketsPanel, UnassignedPanel } from "./queue-panels";
import { type ZoneBoardState } from "./use-zone-board";
import { ZoneSettingsForm } from "./zone-settings";

export function ZoneBoard(props: { state: ZoneBoardState; isAdmin: boolean }) {
  const { state } = props;
  const { board } = state;
  if (!board) {
    return (
      <section class="panel" aria-labelledby="board-title">
        <h2 id="board-title">Zone board</h2>
        {state.error ? (
          <p id="board-error" class="error" role="alert">
            {state.error}
          </p>
        ) : (
          <p>Loading the zone…</p>
        )}
      </section>
    );
  }
  return (
    <section class="zone-board" aria-labelledby="board-title">
      <h2 id="board-title">{board.zone.name}</h2>
      {state.error ? (
        <p id="board-error" class="error" role="alert">
          Could not refresh: {state.error}
        </p>
      ) : null}
      <div class="board">
        <HealthPanel board={board} />
        <DeliveriesPanel board={board} refresh={state.refresh} />
        <OffersPanel board={board} />
        <UnassignedPanel state={state} board={board} />
        <TicketsPanel state={state} />
        <DriversPanel board={board} refresh={state.refresh} feed={state.feed} />
        <EventFeed feed={state.feed} board={board} connection={state.connection} />
      </div>
      {props.isAdmin ? (
        <details class="panel">
          <summary>
            <h3 class="inline">Zone settings</h3>
          </summary>
          <ZoneSettingsForm zone={board.zone} refresh={state.refresh} />
        </details>
      ) : null}
    </section>
  );
}
