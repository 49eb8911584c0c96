/** @jsxImportSource hono/jsx/dom */
/*
 * One chosen driver's performance (GET /v2/drivers/:id/performance), read again whenever the ops
 * stream says that driver's figures changed (driver_performance_updated).
 */
import { useEffect, useState } from "hono/jsx/dom";
import type { DriverPerformanceView, PerformancePeriod } from "../../../contracts/performance";
import { messageOf, useApi } from "./api";
import type { DriverView, FeedEvent } from "./types";

const PERIODS: { value: PerformancePeriod; label: string }[] = [
  { value: "all", label: "All time" },
  { value: "week", label: "This week" },
  { value: "day", label: "Today" },
];

const percent = (rate: number | null) => (rate === null ? "—" : `${(rate * 100).toFixed(1)} %`);

export function DriverPerformancePanel(props: { drivers: DriverView[]; feed: FeedEvent[] }) {
  const api = useApi();
  const [driverId, setDriverId] = useState("");
  const [period, setPeriod] = useState<PerformancePeriod>("all");
  const [view, setView] = useState<DriverPerformanceView | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The newest announcement for the chosen driver: a new one means fresh figures to read.
  const announced = props.feed.find((e) => e.type === "driver_performance_updated" && e.driverId === driverId)?.eventId ?? "";

  useEffect(() => {
    if (!driverId) {
      setView(null);
      return;
    }
    let stopped = false;
    api.get<DriverPerformanceView>(`/v2/drivers/${encodeURIComponent(driverId)}/performance?period=${period}`).then(
      (fresh) => {
        if (stopped) return;
        setView(fresh);
        setError(null);
      },
      (e: unknown) => !stopped && setError(messageOf(e)),
    );
    return () => {
      stopped = true;
    };
  }, [api, driverId, period, announced]);

  const m = view?.driverId === driverId ? view.metrics : null;
  return (
    <div id="driver-performance" class="performance">
      <h4>Performance</h4>
      <label for="performance-driver">Driver</label>
      <select id="performance-driver" value={driverId} onChange={(e: Event) => setDriverId((e.target as HTMLSelectElement).value)}>
        <option value="">Choose a driver</option>
        {props.drivers.map((d) => (
          <option key={d.id} value={d.id}>
            {d.name}
          </option>
        ))}
      </select>
      <label for="performance-period">Period</label>
      <select id="performance-period" value={period} onChange={(e: Event) => setPeriod((e.target as HTMLSelectElement).value as PerformancePeriod)}>
        {PERIODS.map((p) => (
          <option key={p.value} value={p.value}>
            {p.label}
          </option>
        ))}
      </select>
      <p class="error" role="alert">
        {error ?? ""}
      </p>
      {m && view ? (
        <dl class="facts" aria-live="polite">
          <dt>Delivered</dt>
          <dd id="performance-delivered">{m.deliveriesCompleted}</dd>
          <dt>Acceptance</dt>
          <dd>{percent(m.acceptanceRate)}</dd>
          <dt>On time</dt>
          <dd>{percent(m.onTimeRate)}</dd>
          <dt>Customer rating</dt>
          <dd>{m.customerRating === null ? "—" : `${m.customerRating} / 5`}</dd>
          <dt>Average response</dt>
          <dd>{m.avgResponseTimeMs === null ? "—" : `${(m.avgResponseTimeMs / 1000).toFixed(1)} s`}</dd>
          <dt>Earnings</dt>
          <dd id="performance-earnings">
            {m.totalEarnings.toFixed(2)} {view.currency}
          </dd>
        </dl>
      ) : null}
    </div>
  );
}
