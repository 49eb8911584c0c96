// What a run counts and measures, and the summary made of it: text for people, JSON for tests.

/** Nearest-rank percentile of sorted numbers. */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function distribution(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (x) => (x === null ? null : Math.round(x * 10) / 10);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? null),
  };
}

export class Stats {
  constructor() {
    this.startedAt = Date.now();
    this.driversCreated = 0;
    this.driversOnline = 0;
    this.driversOnlinePeak = 0;
    this.deliveriesCreated = 0;
    this.creationFailed = 0;
    this.assigned = 0;
    this.delivered = 0;
    this.offers = { received: 0, accepted: 0, rejected: 0, expired: 0, cancelled: 0, acceptsLost: 0 };
    /** kind → count */
    this.errors = new Map();
    /** The first few messages of each kind, for the text summary. */
    this.errorExamples = new Map();
    /** deliveryId → ms (Date.now()) the POST was sent, once it answered 201 */
    this.createStartedAt = new Map();
    /** deliveryId → ms the first offer for it reached a simulated driver */
    this.firstOfferAt = new Map();
    /** deliveryId → ms a simulated driver got an ok ack for accepting it (first one) */
    this.acceptedAt = new Map();
    /** deliveryId → [driverId] of every ok accept ack (exactly-once: one each) */
    this.wins = new Map();
    /** deliveryId → [driverId] of every ok "delivered" ack */
    this.deliveredBy = new Map();
  }

  error(kind, message) {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
    const examples = this.errorExamples.get(kind) ?? [];
    if (examples.length < 3) examples.push(message);
    this.errorExamples.set(kind, examples);
  }

  get errorCount() {
    let n = 0;
    for (const count of this.errors.values()) n += count;
    return n;
  }

  latencies(from, to) {
    const values = [];
    for (const [id, started] of from) {
      const at = to.get(id);
      if (at !== undefined) values.push(Math.max(0, at - started));
    }
    return distribution(values);
  }

  /** Counters for the live line. */
  progress(requestedDrivers) {
    const o = this.offers;
    return {
      online: this.driversOnline,
      drivers: requestedDrivers,
      created: this.deliveriesCreated,
      assigned: this.assigned,
      delivered: this.delivered,
      accepted: o.accepted,
      rejected: o.rejected,
      expired: o.expired,
      errors: this.errorCount,
      elapsed: ((Date.now() - this.startedAt) / 1000).toFixed(0),
    };
  }

  summary({ options, zone, interrupted, checks, driversRequested, tokens }) {
    return {
      ok: !interrupted && checks !== null && checks.passed,
      interrupted,
      url: options.url,
      org: options.org,
      zone,
      settings: {
        drivers: options.drivers,
        deliveries: options.deliveries,
        ratePerSecond: options.rate,
        acceptRate: options.acceptRate,
        speedKmh: options.speedKmh,
        timeScale: options.timeScale,
        locationIntervalSeconds: options.locationIntervalSeconds,
        maxTripKm: options.maxTripKm,
        prepMinutes: options.prepMinutes,
        seed: options.seed,
      },
      durationSeconds: Math.round((Date.now() - this.startedAt) / 100) / 10,
      tokens,
      drivers: { requested: driversRequested, created: this.driversCreated, onlinePeak: this.driversOnlinePeak },
      deliveries: {
        requested: options.deliveries,
        created: this.deliveriesCreated,
        creationFailed: this.creationFailed,
        assigned: this.assigned,
        delivered: this.delivered,
      },
      offers: { ...this.offers },
      latencyMs: {
        createToOffer: this.latencies(this.createStartedAt, this.firstOfferAt),
        createToAccept: this.latencies(this.createStartedAt, this.acceptedAt),
      },
      errors: Object.fromEntries([...this.errors].sort(([a], [b]) => a.localeCompare(b))),
      errorExamples: Object.fromEntries(this.errorExamples),
      checks,
    };
  }
}

const ms = (d) => (d.count === 0 ? "n/a" : `p50 ${d.p50} ms, p95 ${d.p95} ms, p99 ${d.p99} ms (max ${d.max} ms, n=${d.count})`);

/** The summary for people. */
export function formatSummary(s) {
  const lines = [];
  lines.push(`Dispatch simulator: ${s.interrupted ? "INTERRUPTED" : s.ok ? "OK" : "FAILED"} after ${s.durationSeconds} s against ${s.url}`);
  if (s.zone) lines.push(`  zone:        ${s.zone.name} (${s.zone.id}), ${s.zone.dispatchMode}, offers expire after ${s.zone.offerTimeoutSeconds} s`);
  const st = s.settings;
  lines.push(`  settings:    ${st.drivers} drivers, ${st.deliveries} deliveries at ${st.ratePerSecond}/s, accept rate ${st.acceptRate}, ${st.speedKmh} km/h, time scale ×${st.timeScale}, seed ${st.seed}`);
  lines.push(`  drivers:     ${s.drivers.created} created, ${s.drivers.onlinePeak} online at the peak`);
  const d = s.deliveries;
  lines.push(`  deliveries:  ${d.created} created${d.creationFailed ? ` (${d.creationFailed} failed)` : ""}, ${d.assigned} assigned, ${d.delivered} delivered`);
  const o = s.offers;
  lines.push(`  offers:      ${o.received} received, ${o.accepted} accepted, ${o.rejected} rejected, ${o.expired} expired, ${o.cancelled} cancelled, ${o.acceptsLost} accepts lost`);
  lines.push(`  create → offer:  ${ms(s.latencyMs.createToOffer)}`);
  lines.push(`  create → accept: ${ms(s.latencyMs.createToAccept)}`);
  const kinds = Object.entries(s.errors);
  lines.push(`  errors:      ${kinds.length === 0 ? "none" : kinds.map(([k, n]) => `${k} ×${n}`).join(", ")}`);
  for (const [kind, examples] of Object.entries(s.errorExamples)) for (const e of examples) lines.push(`    ${kind}: ${e}`);
  const c = s.checks;
  if (c === null) lines.push("  checks:      not run (interrupted)");
  else {
    lines.push(`  checks:      ${c.passed ? "passed" : "FAILED"}: ${c.checked} deliveries read back, ${c.delivered} delivered, ${c.undelivered} undelivered, ${c.exactlyOnceViolations} exactly-once violations, ${c.readFailures} unreadable, ${c.notCreated} not created`);
    for (const p of c.problems) lines.push(`    ${p}`);
  }
  return lines.join("\n");
}
