/*
 * The Prometheus text exposition format, version 0.0.4: `# HELP` and `# TYPE` once per family,
 * then its samples, all of a family together. Written here rather than with prom-client: its
 * metric objects are in-process instruments (a histogram only grows by observe()), while a
 * scrape here renders counts the zones already hold, bucket counts included.
 */

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Labels = Record<string, string>;

interface Sample {
  labels: Labels;
  value: number;
}

interface HistogramSample {
  labels: Labels;
  /** Observations per bucket (not cumulative), one more than `bounds`: the last is above every bound. */
  counts: readonly number[];
  sum: number;
  count: number;
}

export type MetricFamily =
  | { name: string; help: string; type: "counter" | "gauge"; samples: Sample[] }
  | { name: string; help: string; type: "histogram"; bounds: readonly number[]; samples: HistogramSample[] };

const escapeHelp = (text: string) => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabel = (text: string) => text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return pairs.length > 0 ? `{${pairs.join(",")}}` : "";
}

function histogramLines(name: string, bounds: readonly number[], sample: HistogramSample): string[] {
  const lines: string[] = [];
  let cumulative = 0;
  for (const [i, bound] of [...bounds, Number.POSITIVE_INFINITY].entries()) {
    cumulative += sample.counts[i] ?? 0;
    lines.push(`${name}_bucket${formatLabels({ ...sample.labels, le: formatValue(bound) })} ${cumulative}`);
  }
  lines.push(`${name}_sum${formatLabels(sample.labels)} ${formatValue(sample.sum)}`);
  lines.push(`${name}_count${formatLabels(sample.labels)} ${formatValue(sample.count)}`);
  return lines;
}

/** The families as one exposition, ending in a newline. */
export function prometheusText(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    if (family.type === "histogram") {
      for (const sample of family.samples) lines.push(...histogramLines(family.name, family.bounds, sample));
    } else {
      for (const sample of family.samples) lines.push(`${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
