/** @jsxImportSource hono/jsx/dom */
/*
 * One zone's board: its drivers (by availability, in a table and on the schematic), the
 * deliveries under way with their age, pending offers counting down, unassigned orders by
 * escalation level, open support tickets, the live feed, and the actions on each.
 */
import type { Child } from "hono/jsx/dom";
import { useState } from "hono/jsx/dom";
import { CancelForm, EscalateForm, OfferForm, PauseForm, ReassignForm, ResolveForm } from "./actions";
import { useNow } from "./clock";
import { DriverMap } from "./driver-map";
import { EventFeed } from "./event-feed";
import { duration, stateLabel } from "./format";
import type { Board, DeliveryView, DriverView } from "./types";
import { type ZoneBoardState } from "./use-zone-board";
import { ZoneSettingsForm } from "./zone-settings";

/** Drivers who can work first, then the ones who are away. */
const AVAILABILITY_ORDER = ["available", "busy", "on_break", "paused", "offline", "shift_ended"];

function Age(props: { since: string }) {
  const now = useNow();
  return <>{duration(now - Date.parse(props.since))}</>;
}

function Countdown(props: { until: string }) {
  const left = Date.parse(props.until) - useNow();
  return <>{left > 0 ? `${duration(left)} left` : "expiring"}</>;
}

/**
 * A table row with its actions in a second row under it, opened by a button: the forms get the
 * table's whole width instead of squeezing into a cell, at 360 px as at 1280 px.
 */
function RowWithActions(props: { id: string; label: string; columns: number; cells: Child; actions: Child }) {
  const [open, setOpen] = useState(false);
  const panelId = `actions-${props.id}`;
  return (
    <>
      <tr data-id={props.id}>
        {props.cells}
        <td>
          <button type="button" class="secondary" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
            {open ? "Close" : "Actions"}
            <span class="visually-hidden"> for {props.label}</span>
          </button>
        </td>
      </tr>
      <tr id={panelId} class="actions-row" data-actions-for={props.id} hidden={!open}>
        <td colSpan={props.columns}>
          <div class="forms">{props.actions}</div>
        </td>
      </tr>
    </>
  );
}

function DriversPanel(props: { board: Board; refresh: ZoneBoardState["refresh"] }) {
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
    </section>
  );
}

function DeliveryActions(props: { delivery: DeliveryView; drivers: DriverView[]; refresh: ZoneBoardState["refresh"] }) {
  const { delivery, drivers, refresh } = props;
  return (
    <>
      {delivery.status === "ready" ? <OfferForm delivery={delivery} drivers={drivers} refresh={refresh} /> : null}
      {delivery.status === "ready" || delivery.status === "assigned" ? (
        <ReassignForm delivery={delivery} drivers={drivers} refresh={refresh} />
      ) : null}
      <CancelForm delivery={delivery} refresh={refresh} />
    </>
  );
}

function DeliveriesPanel(props: { board: Board; refresh: ZoneBoardState["refresh"] }) {
  const { deliveries, drivers } = props.board;
  const driverName = (id: string | null) => (id ? (drivers.find((d) => d.id === id)?.name ?? id.slice(0, 8)) : "—");
  const sorted = [...deliveries].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return (
    <section class="panel" aria-labelledby="deliveries-title">
      <h3 id="deliveries-title">Live deliveries</h3>
      {sorted.length === 0 ? (
        <p>No deliveries under way.</p>
      ) : (
        <table id="deliveries">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col" class="optional">Store</th>
              <th scope="col">Status</th>
              <th scope="col">Driver</th>
              <th scope="col">Age</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((d) => (
              <RowWithActions
                key={d.id}
                id={d.id}
                label={d.orderId}
                columns={6}
                cells={
                  <>
                    <th scope="row">{d.orderId}</th>
                    <td class="optional">{d.storeName}</td>
                    <td class={`status-cell status-${d.status}`}>{stateLabel(d.status)}</td>
                    <td class="driver-cell">{driverName(d.assignedDriverId)}</td>
                    <td>
                      <Age since={d.createdAt} />
                    </td>
                  </>
                }
                actions={<DeliveryActions delivery={d} drivers={drivers} refresh={props.refresh} />}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function OffersPanel(props: { board: Board }) {
  const { offers, drivers, deliveries } = props.board;
  const pending = offers.filter((o) => o.status === "PENDING").sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  return (
    <section class="panel" aria-labelledby="offers-title">
      <h3 id="offers-title">Pending offers</h3>
      {pending.length === 0 ? (
        <p>No offers waiting for an answer.</p>
      ) : (
        <table id="offers">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Driver</th>
              <th scope="col" class="optional">Made</th>
              <th scope="col">Expires</th>
            </tr>
          </thead>
          <tbody>
            {pending.map((o) => (
              <tr key={o.id} data-id={o.id}>
                <th scope="row">{deliveries.find((d) => d.id === o.deliveryId)?.orderId ?? o.deliveryId.slice(0, 8)}</th>
                <td>{drivers.find((d) => d.id === o.driverId)?.name ?? o.driverId.slice(0, 8)}</td>
                <td class="optional">{o.mode === "manual" ? "by ops" : "automatically"}</td>
                <td class="countdown">
                  <Countdown until={o.expiresAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function UnassignedPanel(props: { state: ZoneBoardState; board: Board }) {
  const { unassigned, refresh } = props.state;
  const byLevel = props.board.health.unassignedByLevel;
  return (
    <section class="panel" aria-labelledby="unassigned-title">
      <h3 id="unassigned-title">Unassigned orders</h3>
      <ul class="counts" aria-label="Waiting orders by escalation level">
        {["0", "1", "2", "3"].map((level) => (
          <li key={level}>
            level {level}: <strong>{byLevel[level] ?? 0}</strong>
          </li>
        ))}
      </ul>
      {unassigned.length === 0 ? (
        <p>No order is waiting without a driver.</p>
      ) : (
        <table id="unassigned">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Level</th>
              <th scope="col">Why</th>
              <th scope="col" class="optional">Attempts</th>
              <th scope="col">Waiting</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {unassigned.map((u) => (
              <RowWithActions
                key={u.id}
                id={u.id}
                label={u.sellerOrderId}
                columns={6}
                cells={
                  <>
                    <th scope="row">{u.sellerOrderId}</th>
                    <td class="level">{u.escalationLevel}</td>
                    <td>{stateLabel(u.failureReason)}</td>
                    <td class="optional">{u.attemptCount}</td>
                    <td>
                      <Age since={u.firstAttemptAt} />
                    </td>
                  </>
                }
                actions={<EscalateForm order={u} refresh={refresh} />}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function TicketsPanel(props: { state: ZoneBoardState }) {
  const { tickets, refresh } = props.state;
  return (
    <section class="panel" aria-labelledby="tickets-title">
      <h3 id="tickets-title">Open support tickets</h3>
      {tickets.length === 0 ? (
        <p>No open tickets.</p>
      ) : (
        <table id="tickets">
          <thead>
            <tr>
              <th scope="col">Ticket</th>
              <th scope="col">Order</th>
              <th scope="col" class="optional">Priority</th>
              <th scope="col">Open for</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {tickets.map((t) => (
              <RowWithActions
                key={t.id}
                id={t.id}
                label={t.title}
                columns={5}
                cells={
                  <>
                    <th scope="row">{t.title}</th>
                    <td>{t.sellerOrderId}</td>
                    <td class="optional">{t.priority}</td>
                    <td>
                      <Age since={t.createdAt} />
                    </td>
                  </>
                }
                actions={<ResolveForm ticket={t} refresh={refresh} />}
              />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

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
        <DeliveriesPanel board={board} refresh={state.refresh} />
        <OffersPanel board={board} />
        <UnassignedPanel state={state} board={board} />
        <TicketsPanel state={state} />
        <DriversPanel board={board} refresh={state.refresh} />
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
