/** @jsxImportSource hono/jsx/dom */
/* What waits for ops: unassigned orders by escalation level, and open support tickets. */
import { EscalateForm, ResolveForm } from "./actions";
import { Age, RowWithActions } from "./board-rows";
import { stateLabel } from "./format";
import type { Board } from "./types";
import { type ZoneBoardState } from "./use-zone-board";

export function UnassignedPanel(props: { state: ZoneBoardState; board: Board }) {
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

export function TicketsPanel(props: { state: ZoneBoardState }) {
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

