/** @jsxImportSource hono/jsx/dom */
/*
 * The operator's actions, each a small form that calls the public API and says how it went:
 * the API's own message when it refuses (a driver not available, a level not above the current
 * one …), so the console never second-guesses the rules the zone applies.
 */
import type { Child } from "hono/jsx/dom";
import { useId, useState } from "hono/jsx/dom";
import { messageOf, useApi } from "./api";
import type { Refresh } from "./board-events";
import { clock, stateLabel } from "./format";
import type { DeliveryView, DriverView, SupportTicketView, UnassignedOrderView } from "./types";

interface Outcome {
  ok: boolean;
  text: string;
}

/** Form fields by name; empty optional fields are left out of the body (the API refuses ""). */
function fields(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of new FormData(form)) {
    const text = String(value).trim();
    if (text) out[name] = text;
  }
  return out;
}

export function ActionForm(props: {
  submitLabel: string;
  run: (values: Record<string, string>) => Promise<string>;
  refresh: (what: Refresh) => void;
  /** What the action changes, read again at once: not every action announces itself on the stream. */
  changes: Refresh;
  children?: Child;
  class?: string;
  /** Leave the fields as typed after success (a settings form shows what is now stored). */
  keepValues?: boolean;
}) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    setBusy(true);
    setOutcome(null);
    try {
      const text = await props.run(fields(form));
      if (!props.keepValues) form.reset();
      setOutcome({ ok: true, text });
      props.refresh(props.changes);
    } catch (e) {
      setOutcome({ ok: false, text: messageOf(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class={`action ${props.class ?? ""}`} onSubmit={submit}>
      {props.children}
      <button type="submit" disabled={busy}>
        {props.submitLabel}
      </button>
      {outcome?.ok === false ? (
        <p class="error" role="alert">
          {outcome.text}
        </p>
      ) : (
        <p class="done" role="status">
          {outcome?.text ?? ""}
        </p>
      )}
    </form>
  );
}

function DriverSelect(props: { drivers: DriverView[]; label: string; name: string; emptyOption?: string }) {
  const id = useId();
  return (
    <>
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} required={!props.emptyOption}>
        {props.emptyOption ? <option value="">{props.emptyOption}</option> : null}
        {props.drivers.map((d) => (
          <option key={d.id} value={d.id}>
            {d.name} ({stateLabel(d.availability)})
          </option>
        ))}
      </select>
    </>
  );
}

function TextField(props: { label: string; name: string; required?: boolean; multiline?: boolean; maxLength: number }) {
  const id = useId();
  return (
    <>
      <label for={id}>{props.label}</label>
      {props.multiline ? (
        <textarea id={id} name={props.name} maxlength={props.maxLength} rows={2} required={props.required}></textarea>
      ) : (
        <input id={id} name={props.name} maxlength={props.maxLength} required={props.required} autocomplete="off" />
      )}
    </>
  );
}

interface WithRefresh {
  refresh: (what: Refresh) => void;
}

const path = (template: string, id: string) => template.replace(":id", encodeURIComponent(id));
const nameOf = (drivers: DriverView[], id: string | null | undefined) => drivers.find((d) => d.id === id)?.name ?? "the driver";

/** POST /v2/deliveries/:id/offers: offer a waiting delivery to one driver of its zone. */
export function OfferForm(props: WithRefresh & { delivery: DeliveryView; drivers: DriverView[] }) {
  const api = useApi();
  return (
    <ActionForm
      submitLabel="Send offer"
      refresh={props.refresh}
      changes={{ board: true, queues: false }}
      run={async ({ driverId = "" }) => {
        const offer = await api.send<{ expiresAt: string }>("POST", path("/v2/deliveries/:id/offers", props.delivery.id), { driverId });
        return `Offered to ${nameOf(props.drivers, driverId)} until ${clock(offer.expiresAt)}.`;
      }}
    >
      <DriverSelect drivers={props.drivers} label="Offer to driver" name="driverId" />
    </ActionForm>
  );
}

/** POST /v2/admin/deliveries/:id/reassign: to a driver directly, or back to matching. */
export function ReassignForm(props: WithRefresh & { delivery: DeliveryView; drivers: DriverView[] }) {
  const api = useApi();
  return (
    <ActionForm
      submitLabel="Reassign"
      refresh={props.refresh}
      changes={{ board: true, queues: true }}
      run={async ({ driverId }) => {
        await api.send("POST", path("/v2/admin/deliveries/:id/reassign", props.delivery.id), driverId ? { driverId } : {});
        return driverId ? `Assigned to ${nameOf(props.drivers, driverId)}.` : "Back to matching.";
      }}
    >
      <DriverSelect drivers={props.drivers} label="Reassign to" name="driverId" emptyOption="Nobody: match again" />
    </ActionForm>
  );
}

/** POST /v2/admin/deliveries/:id/cancel. */
export function CancelForm(props: WithRefresh & { delivery: DeliveryView }) {
  const api = useApi();
  return (
    <ActionForm
      submitLabel="Cancel delivery"
      class="danger"
      refresh={props.refresh}
      changes={{ board: true, queues: true }}
      run={async ({ reason }) => {
        await api.send("POST", path("/v2/admin/deliveries/:id/cancel", props.delivery.id), { reason });
        return "Cancelled.";
      }}
    >
      <TextField label="Reason for cancelling" name="reason" required maxLength={255} />
    </ActionForm>
  );
}

/** POST /v2/admin/unassigned-orders/:id/escalate: a level above the record's current one. */
export function EscalateForm(props: WithRefresh & { order: UnassignedOrderView }) {
  const api = useApi();
  const levelId = useId();
  const levels = [1, 2, 3].filter((level) => level > props.order.escalationLevel);
  if (levels.length === 0) return <p>At the top level.</p>;
  return (
    <ActionForm
      submitLabel="Escalate"
      refresh={props.refresh}
      changes={{ board: true, queues: true }}
      run={async ({ level = "", reason, notes }) => {
        const answer = await api.send<{ newEscalationLevel: number; supportTicketId?: string }>(
          "POST",
          path("/v2/admin/unassigned-orders/:id/escalate", props.order.id),
          { level: Number(level), reason, ...(notes ? { notes } : {}) },
        );
        return `Escalated to level ${answer.newEscalationLevel}${answer.supportTicketId ? "; a support ticket is open" : ""}.`;
      }}
    >
      <label for={levelId}>Level</label>
      <select id={levelId} name="level">
        {levels.map((level) => (
          <option key={level} value={String(level)}>
            {level}
          </option>
        ))}
      </select>
      <TextField label="Reason" name="reason" required maxLength={500} />
      <TextField label="Notes (optional)" name="notes" multiline maxLength={2000} />
    </ActionForm>
  );
}

/** POST /v2/admin/support-tickets/:id/resolve. */
export function ResolveForm(props: WithRefresh & { ticket: SupportTicketView }) {
  const api = useApi();
  return (
    <ActionForm
      submitLabel="Resolve"
      refresh={props.refresh}
      changes={{ board: false, queues: true }}
      run={async ({ resolution }) => {
        await api.send("POST", path("/v2/admin/support-tickets/:id/resolve", props.ticket.id), resolution ? { resolution } : {});
        return "Resolved.";
      }}
    >
      <TextField label="Resolution (optional)" name="resolution" maxLength={2000} />
    </ActionForm>
  );
}

/** POST /v2/admin/drivers/:id/pause or /unpause, whichever applies to the driver now. */
export function PauseForm(props: WithRefresh & { driver: DriverView }) {
  const api = useApi();
  const move = props.driver.availability === "paused" ? "unpause" : "pause";
  return (
    <ActionForm
      submitLabel={move === "pause" ? "Pause" : "Unpause"}
      refresh={props.refresh}
      changes={{ board: true, queues: false }}
      run={async ({ reason }) => {
        const answer = await api.send<{ status: string }>(
          "POST",
          path(`/v2/admin/drivers/:id/${move}`, props.driver.id),
          reason ? { reason } : {},
        );
        return `Now ${stateLabel(answer.status)}.`;
      }}
    >
      <TextField label={`Reason to ${move} (optional)`} name="reason" maxLength={255} />
    </ActionForm>
  );
}
