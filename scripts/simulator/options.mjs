// The simulator's command line (commander): parsing, range checks, and the usage text. Every
// bad argument is a UsageError, which scripts/simulate.mjs turns into the usage and exit code 2.

import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { isUuid } from "../token.mjs";
import { DEMO_ORG_ID } from "../seed-demo.mjs";

export class UsageError extends Error {}

const DEFAULT_URL = "http://127.0.0.1:8787";

function integer(min, max) {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

function number(min, max, { exclusiveMin = false, unit = "" } = {}) {
  return (value) => {
    const text = unit && value.endsWith(unit) ? value.slice(0, -unit.length) : value;
    const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
    const tooLow = exclusiveMin ? n <= min : n < min;
    if (!Number.isFinite(n) || tooLow || n > max) {
      throw new InvalidArgumentError(`must be a number ${exclusiveMin ? "above" : "from"} ${min} ${exclusiveMin ? "and at most" : "to"} ${max}${unit ? ` (optionally with "${unit}")` : ""}.`);
    }
    return n;
  };
}

function httpUrl(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("must be an http:// or https:// URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError("must be an http:// or https:// URL.");
  return url.origin + url.pathname.replace(/\/+$/, "");
}

function uuid(value) {
  if (!isUuid(value)) throw new InvalidArgumentError("must be a UUID.");
  return value;
}

const AFTER_HELP = `
Tokens are minted like \`npm run token\` (env JWT_SECRET, default the local dev secret; JWT_ISSUER, JWT_AUDIENCE).
Defaults: --zone the demo zone (else the org's only zone); --drain-timeout from the zone's size, the speed
and the time scale; --seed random (printed in the summary).

Exit codes: 0 every check held; 1 a check failed, deliveries were left undelivered or not created, or the
run could not start; 2 bad arguments; 130 interrupted (Ctrl-C: the summary so far, without the final checks).

Example: npm run simulate -- --drivers 200 --deliveries 1000 --rate 10/s --time-scale 30
`;

function program() {
  return new Command("simulate")
    .usage("[options]   (npm run simulate -- [options])")
    .description(
      "Driver simulator and load generator for Dispatch v2. Creates drivers in a zone, connects their sockets, moves them along great-circle paths, answers offers and delivers, while an order service creates deliveries at a steady rate; ends with latency percentiles, errors by kind and an exactly-once check of every delivery.",
    )
    .addOption(new Option("--url <url>", "server to drive").default(DEFAULT_URL).argParser(httpUrl))
    .addOption(new Option("--org <uuid>", "organization (tenant)").default(DEMO_ORG_ID, "the demo org").argParser(uuid))
    .addOption(new Option("--zone <id|name>", "zone to work in (id or exact name, GET /v2/admin/zones)").default(undefined, "the demo zone, else the org's only zone"))
    .addOption(new Option("--drivers <n>", "drivers to create").default(20).argParser(integer(1, 5000)))
    .addOption(new Option("--deliveries <m>", "deliveries to create").default(100).argParser(integer(0, 100_000)))
    .addOption(new Option("--rate <r/s>", "deliveries created per second").default(5, "5/s").argParser(number(0, 1000, { exclusiveMin: true, unit: "/s" })))
    .addOption(new Option("--accept-rate <p>", "share of offers a driver accepts (0-1)").default(0.9).argParser(number(0, 1)))
    .addOption(new Option("--speed-kmh <v>", "driving speed").default(25).argParser(number(0, 300, { exclusiveMin: true })))
    .addOption(new Option("--time-scale <k>", "simulated seconds per real second (travel and waiting only; server timers stay real)").default(1).argParser(number(0, 100_000, { exclusiveMin: true })))
    .addOption(new Option("--location-interval <s>", "real seconds between a driver's location messages").default(3).argParser(number(0.25, 60)))
    .addOption(new Option("--max-trip-km <km>", "longest pickup → dropoff distance").default(5).argParser(number(0.1, 100)))
    .addOption(new Option("--prep-minutes <min>", "order preparation time (estimatedPrepTimeMinutes); drivers wait at the pickup until it is ready").default(5).argParser(integer(0, 240)))
    .addOption(new Option("--drain-timeout <s>", "real seconds to wait, after the last delivery is created, for all to be delivered").default(undefined, "from the zone size, speed and time scale").argParser(number(1, 86_400)))
    .addOption(new Option("--seed <n>", "random seed (positions, accept/reject draws)").default(undefined, "random").argParser(integer(0, 2 ** 32 - 1)))
    .addOption(new Option("--json", "print the summary as JSON on stdout"))
    .addOption(new Option("--no-progress", "no live progress line on stderr"))
    .helpOption("-h, --help", "show this help")
    .allowExcessArguments(false)
    .showHelpAfterError(false)
    .exitOverride();
}

/** The usage text (the same as --help). */
export function usage() {
  return program().helpInformation() + AFTER_HELP;
}

/**
 * Parses `argv` (without node and script). Answers `{ help: true }` for -h/--help, else the
 * options; throws UsageError for anything wrong.
 */
export function parseOptions(argv) {
  const cmd = program();
  let errorText = "";
  cmd.configureOutput({ writeErr: (text) => (errorText += text), writeOut: () => {} });
  try {
    cmd.parse(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError && (error.code === "commander.helpDisplayed" || error.code === "commander.help")) return { help: true };
    if (error instanceof CommanderError) throw new UsageError((errorText || error.message).trim().replace(/^error: /, ""));
    throw error;
  }
  const o = cmd.opts();
  if (o.zone !== undefined && o.zone.trim() === "") throw new UsageError("option '--zone <id|name>' must not be empty.");
  return {
    help: false,
    url: o.url,
    org: o.org,
    zone: o.zone,
    drivers: o.drivers,
    deliveries: o.deliveries,
    rate: o.rate,
    acceptRate: o.acceptRate,
    speedKmh: o.speedKmh,
    timeScale: o.timeScale,
    locationIntervalSeconds: o.locationInterval,
    maxTripKm: o.maxTripKm,
    prepMinutes: o.prepMinutes,
    drainTimeoutSeconds: o.drainTimeout,
    seed: o.seed ?? Math.floor(Math.random() * 2 ** 32),
    json: o.json === true,
    progress: o.progress,
  };
}
