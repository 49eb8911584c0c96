/** @jsxImportSource hono/jsx/dom */
/* Pieces every board table uses: ages and countdowns that tick, rows that open their actions. */
import { useNow } from "./clock";
import { duration } from "./format";
import type { Child } from "hono/jsx/dom";
import { useState } from "hono/jsx/dom";

export function Age(props: { since: string }) {
  const now = useNow();
  return <>{duration(now - Date.parse(props.since))}</>;
}

export function Countdown(props: { until: string }) {
  const left = Date.parse(props.until) - useNow();
  return <>{left > 0 ? `${duration(left)} left` : "expiring"}</>;
}

/**
 * A table row with its actions in a second row under it, opened by a button: the forms get the
 * table's whole width instead of squeezing into a cell, at 360 px as at 1280 px.
 */
export function RowWithActions(props: { id: string; label: string; columns: number; cells: Child; actions: Child }) {
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

