/** @jsxImportSource hono/jsx/dom */
/*
 * The org's zones with their live counts. The open zone's counts come from its board (kept
 * live by its socket); the others are read again every 30 s, one request per zone.
 */
import { useEffect, useState } from "hono/jsx/dom";
import { messageOf, useApi } from "./api";
import type { Board, ZoneLiveCounts, ZoneView } from "./types";

const ZONES_REFRESH_MS = 30_000;

type ZoneRow = ZoneView & { health: ZoneLiveCounts | null };

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
        const { zones: listed } = await api.get<{ zones: ZoneView[] }>("/v2/admin/zones");
        const rows = await Promise.all(
          listed.map(async (zone) => ({
            ...zone,
            // A zone whose counts cannot be read still belongs in the list.
            health: await api
              .get<{ health: ZoneLiveCounts }>(`/v2/admin/zones/${encodeURIComponent(zone.id)}`)
              .then((z) => z.health)
              .catch(() => null),
          })),
        );
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
              const count = (n: number | undefined) => (health ? String(n ?? 0) : "—");
              return (
                <tr key={zone.id}>
                  <th scope="row">
                    <a href={`#zone=${zone.id}`} aria-current={props.selectedId === zone.id ? "page" : undefined}>
                      {zone.name}
                    </a>
                  </th>
                  <td>{count(health?.driversOnline)}</td>
                  <td class="optional">{count(health?.driversByAvailability.available)}</td>
                  <td>{count(health?.pendingDeliveries)}</td>
                  <td class="optional">{count(health?.activeDeliveries)}</td>
                  <td class="optional">{count(health?.pendingOffers)}</td>
                  <td>{count(health ? escalated(health) : undefined)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
