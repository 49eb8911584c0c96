/** @jsxImportSource hono/jsx/dom */
/*
 * The zone's health at a glance: the score with what it is made of (drivers online against the
 * minimum, the hour's average wait against the target, demand) and the alerts standing. It
 * follows `zone_health_updated` and the alert events live.
 */
import { alertLabel, clock, duration } from "./format";
import type { Board } from "./types";

/** The score's band, for colour only: the number is always shown. */
const band = (score: number, min: number) => (score < min ? "poor" : score < min + 10 ? "fair" : "good");

export function HealthPanel(props: { board: Board }) {
  const { health, zone } = props.board;
  return (
    <section class="panel health" aria-labelledby="health-title">
      <h3 id="health-title">Zone health</h3>
      <dl class="figures">
        <div>
          <dt>Health score</dt>
          <dd id="health-score" class={`score score-${band(health.healthScore, zone.settings.alerts.minHealthScore)}`}>
            {health.healthScore} <span class="unit">/ 100</span>
          </dd>
        </div>
        <div>
          <dt>Demand</dt>
          <dd id="demand-level">
            {health.demandLevel} <span class="unit">/ 10</span>
          </dd>
        </div>
        <div>
          <dt>Drivers online</dt>
          <dd id="drivers-online">
            {health.currentDriversOnline} <span class="unit">of {health.minDriversRequired} wanted</span>
          </dd>
        </div>
        <div>
          <dt>Average wait (last hour)</dt>
          <dd id="average-wait">
            {duration(health.avgWaitTimeSeconds * 1000)} <span class="unit">target {duration(health.targetWaitTimeSeconds * 1000)}</span>
          </dd>
        </div>
      </dl>
      {health.alerts.length > 0 ? (
        // The live region wraps the list: a role on the list itself would take away its list semantics.
        <div id="zone-alerts" role="alert">
          <ul class="alerts">
            {health.alerts.map((a) => (
              <li key={a.alert}>
                Alert since {clock(a.raisedAt)}: {alertLabel(a.alert, a.value, a.threshold)}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p id="zone-alerts" class="quiet">
          No alerts.
        </p>
      )}
    </section>
  );
}
