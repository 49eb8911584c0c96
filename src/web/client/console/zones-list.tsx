/** @jsxImportSource hono/jsx/dom */
/*
 * The org's zones with their live counts and health. The open zone's come from its board (kept
 * live by its socket); the list is read again every 30 s (one request: the API reads every
 * zone in parallel).
 */
import { useEffect, useState } from "hono/jsx/dom";
import { messageOf, useApi } from "./api";
import type { Board, ZoneLiveCounts, ZoneView } from "./types";

const ZONES_REFRESH_MS = 30_000;

type ZoneRow = ZoneView & { health: ZoneLiveCounts };

const escalated = (health: ZoneLiveCounts) =>
  Object.entries(health.unassignedByLevel).reduce((sum, [level, n]) => (level === "0" ? sum : sum + n), 0);

export function ZonesList(props: { selectedId: string | null; openBoard: Board | null }) {
  const api = useApi();
  const [zones, setZones] = useState<ZoneRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const { zones: rows } = await api.get<{ zones: ZoneRow[] }>("/v2/admin/zones");
        if (!stopped) {
          setZones(rows);
          setError(null);
        }
      } catch (e) {
        if (!stopped) setError(messageOf(e));
      }
    };
    void load();
    const timer = setInterval(load, ZONES_REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api]);

  return (
    <section class="panel zones" aria-labelledby="zones-title">
      <h2 id="zones-title">Zones</h2>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {zones === null && !error ? <p>Loading zones…</p> : null}
      {zones?.length === 0 ? <p id="no-zones">This organization has no zones.</p> : null}
      {zones?.length ? (
        <table id="zones-table">
          <thead>
            <tr>
              <th scope="col">Zone</th>
              <th scope="col">Health</th>
              <th scope="col" class="optional">Demand</th>
              <th scope="col">Drivers online</th>
              <th scope="col" class="optional">Available</th>
              <th scope="col">Waiting</th>
              <th scope="col" class="optional">Under way</th>
              <th scope="col" class="optional">Pending offers</th>
              <th scope="col">Escalated</th>
            </tr>
          </thead>
          <tbody>
            {zones.map((zone) => {
              const health = props.openBoard?.zone.id === zone.id ? props.openBoard.health : zone.health;
              return (
                <tr key={zone.id}>
                  <th scope="row">
                    <a href={`#zone=${zone.id}`} aria-current={props.selectedId === zone.id ? "page" : undefined}>
                      {zone.name}
                    </a>
                  </th>
                  <td class={health.alerts.length > 0 ? "alerting" : undefined}>
                    {health.healthScore}
                    {health.alerts.length > 0 ? <span class="badge"> alert</span> : null}
                  </td>
                  <td class="optional">{health.demandLevel}</td>
                  <td>{health.driversOnline}</td>
                  <td class="optional">{health.driversByAvailability.available}</td>
                  <td>{health.pendingDeliveries}</td>
                  <td class="optional">{health.activeDeliveries}</td>
                  <td class="optional">{health.pendingOffers}</td>
                  <td>{escalated(health)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
