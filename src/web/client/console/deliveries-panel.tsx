/** @jsxImportSource hono/jsx/dom */
/* Deliveries not ended, with status, driver, age and the ops actions on each. */
import { CancelForm, OfferForm, ReassignForm } from "./actions";
import { Age, RowWithActions } from "./board-rows";
import { stateLabel } from "./format";
import type { Board, DeliveryView, DriverView } from "./types";
import { type ZoneBoardState } from "./use-zone-board";

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

export function DeliveriesPanel(props: { board: Board; refresh: ZoneBoardState["refresh"] }) {
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

