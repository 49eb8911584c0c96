/** @jsxImportSource hono/jsx/dom */
/*
 * The zone's dispatch settings (admins only: PATCH /v2/admin/zones/:zoneId/settings). Only the
 * fields the admin changed are sent; the API merges them and checks the result as a whole
 * (a widened radius below the search radius, thresholds out of order), and says why it refused.
 */
import { useId } from "hono/jsx/dom";
import { ActionForm } from "./actions";
import { useApi } from "./api";
import type { Refresh } from "./board-events";
import type { ZoneView } from "./types";

type Settings = ZoneView["settings"];
type NumberKey = Exclude<keyof Settings, "dispatchMode" | "currency" | "escalationSeconds" | "alerts">;
type AlertKey = keyof Settings["alerts"];

const NUMBER_FIELDS: { key: NumberKey; label: string; step: string }[] = [
  { key: "offerTimeoutSeconds", label: "Offer timeout (s)", step: "1" },
  { key: "broadcastSize", label: "Broadcast size", step: "1" },
  { key: "searchRadiusKm", label: "Search radius (km)", step: "any" },
  { key: "widenedRadiusKm", label: "Widened radius (km)", step: "any" },
  { key: "maxOfferAttempts", label: "Automatic offers per delivery", step: "1" },
  { key: "offlineAfterSeconds", label: "Offline after silence (s)", step: "1" },
  { key: "avgSpeedKmh", label: "Average speed (km/h)", step: "any" },
  { key: "baseFee", label: "Base fee", step: "any" },
  { key: "perKmFee", label: "Fee per km", step: "any" },
];

const ALERT_FIELDS: { key: AlertKey; label: string }[] = [
  { key: "minHealthScore", label: "Alert when health score is below" },
  { key: "maxUnassigned", label: "Alert when unassigned orders exceed" },
];

const LEVELS = [1, 2, 3] as const;

/** The fields that differ from what the zone holds, typed as the API wants them. */
function patchOf(values: Record<string, string>, current: Settings): Partial<Settings> {
  const patch: Record<string, unknown> = {};
  for (const { key } of NUMBER_FIELDS) {
    const value = values[key];
    if (value !== undefined && Number(value) !== current[key]) patch[key] = Number(value);
  }
  if (values.dispatchMode && values.dispatchMode !== current.dispatchMode) patch.dispatchMode = values.dispatchMode;
  if (values.currency && values.currency !== current.currency) patch.currency = values.currency;
  const ladder = LEVELS.map((level, i) => Number(values[`escalation${level}`] ?? current.escalationSeconds[i]));
  if (ladder.some((seconds, i) => seconds !== current.escalationSeconds[i])) patch.escalationSeconds = ladder;
  const alerts: Partial<Settings["alerts"]> = {};
  for (const { key } of ALERT_FIELDS) {
    const value = values[`alerts.${key}`];
    if (value !== undefined && Number(value) !== current.alerts[key]) alerts[key] = Number(value);
  }
  if (Object.keys(alerts).length > 0) patch.alerts = alerts;
  return patch as Partial<Settings>;
}

function Field(props: { label: string; name: string; value: string | number; step?: string; text?: boolean }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.text ? "text" : "number"}
        step={props.step}
        value={String(props.value)}
        required
        autocomplete="off"
      />
    </div>
  );
}

export function ZoneSettingsForm(props: { zone: ZoneView; refresh: (what: Refresh) => void }) {
  const api = useApi();
  const modeId = useId();
  const { settings } = props.zone;
  return (
    <ActionForm
      submitLabel="Save settings"
      class="settings"
      keepValues
      refresh={props.refresh}
      changes={{ board: true, queues: false }}
      run={async (values) => {
        const patch = patchOf(values, settings);
        if (Object.keys(patch).length === 0) return "Nothing changed.";
        await api.send("PATCH", `/v2/admin/zones/${encodeURIComponent(props.zone.id)}/settings`, patch);
        return `Saved: ${Object.keys(patch).join(", ")}.`;
      }}
    >
      <div class="field">
        <label for={modeId}>Dispatch mode</label>
        <select id={modeId} name="dispatchMode" value={settings.dispatchMode}>
          <option value="sequential">sequential (one driver at a time)</option>
          <option value="broadcast">broadcast (several at once)</option>
        </select>
      </div>
      {NUMBER_FIELDS.map((f) => (
        <Field key={f.key} label={f.label} name={f.key} value={settings[f.key]} step={f.step} />
      ))}
      {LEVELS.map((level, i) => (
        <Field key={level} label={`Escalation level ${level} after (s)`} name={`escalation${level}`} value={settings.escalationSeconds[i] ?? ""} step="1" />
      ))}
      <Field label="Currency" name="currency" value={settings.currency} text />
      {ALERT_FIELDS.map((f) => (
        <Field key={f.key} label={f.label} name={`alerts.${f.key}`} value={settings.alerts[f.key]} step="1" />
      ))}
    </ActionForm>
  );
}
