/** @jsxImportSource hono/jsx/dom */
/* Offers waiting for a driver's answer, counting down to their expiry. */
import { Countdown } from "./board-rows";
import type { Board } from "./types";

export function OffersPanel(props: { board: Board }) {
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

