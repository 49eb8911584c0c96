#!/usr/bin/env node
// `npm start`: run Dispatch v2 locally, for real.
//
//  1. apply the D1 migrations to the local database (`wrangler d1 migrations apply DB --local`),
//  2. start `wrangler dev` on 127.0.0.1:$PORT (default 8787), local mode, no login,
//  3. wait for GET /v2/health,
//  4. seed demo data (scripts/seed-demo.mjs) for a fixed demo org and print an admin token for it,
//  5. on SIGINT / SIGTERM / SIGHUP stop wrangler (and its workerd) and exit 0: a stop that was
//     asked for is a success. package.json starts this script with `exec`, so a signal npm
//     forwards reaches this process itself, not a shell that would die and leave us running.
//
// Env: PORT (default 8787), DISPATCH_STATE_DIR (local D1 / Durable Object state, default
// .wrangler/state), DISPATCH_SEED=0 to skip the demo data, DISPATCH_READY_TIMEOUT_SECONDS (120),
// DISPATCH_INSPECTOR_PORT (wrangler's DevTools port; 0 = any free port), DISPATCH_LOG_LEVEL (the
// LOG_LEVEL var: `info`, the default, logs every request and decision; `error` only failures).
// Only Node built-ins and jose.

import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { constants as osConstants } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_ORG_ID, seedDemo } from "./seed-demo.mjs";
import { DEV_JWT_SECRET, mintToken } from "./token.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const LOCAL_NODE = path.join(ROOT, "node_modules", ".bin", "node");
const DEMO_TOKEN_TTL_SECONDS = 24 * 3600;

const log = (msg) => process.stdout.write(`[start] ${msg}\n`);
const warn = (msg) => process.stderr.write(`[start] ${msg}\n`);

// ---- settings ------------------------------------------------------------------------------

const PORT = Number(process.env.PORT || 8787);
if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535) {
  warn(`PORT must be a port number 1-65535 (got ${JSON.stringify(process.env.PORT)})`);
  process.exit(2);
}
const HOST = "127.0.0.1";
const BASE_URL = `http://${HOST}:${PORT}`;
const STATE_DIR = path.resolve(ROOT, process.env.DISPATCH_STATE_DIR || path.join(".wrangler", "state"));
const READY_TIMEOUT_MS = 1000 * Number(process.env.DISPATCH_READY_TIMEOUT_SECONDS || 120);
const SEED = !["0", "false", "no"].includes(String(process.env.DISPATCH_SEED ?? "").toLowerCase());
/** Delivery webhook policy vars a test may set as DISPATCH_<name> (relaxed environments only). */
const DELIVERY_WEBHOOK_VARS = ["DELIVERY_WEBHOOK_RETRY_BASE_MS", "DELIVERY_WEBHOOK_MAX_ATTEMPTS", "DELIVERY_WEBHOOK_DISABLE_AFTER"];

// wrangler / miniflare need Node >= 22.12. `npm start` already puts the project's Node 22
// (the `node` devDependency) first on PATH; this also covers `node scripts/start.mjs` on Node 20.
function nodeForWrangler() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major > 22 || (major === 22 && minor >= 12)) return process.execPath;
  if (existsSync(LOCAL_NODE)) return LOCAL_NODE;
  warn(`wrangler needs Node >= 22.12 (this is ${process.version}); run \`npm install\` first, then \`npm start\`.`);
  process.exit(1);
}
const NODE = nodeForWrangler();

const childEnv = {
  ...process.env,
  // wrangler's local observability dashboard streams a trace of every invocation to a collector
  // isolate of its own (memory and disk that grow with the request count, see README "Memory");
  // the service logs for itself. X_LOCAL_OBSERVABILITY=true turns it back on.
  X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? "false",
  WRANGLER_SEND_METRICS: "false", // no outside services:
  CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false", // placeholder Request.cf, no fetch
};

// ---- child process + signal handling -------------------------------------------------------

let child = null; // the wrangler process currently running
let stopping = null; // the signal we were asked to stop with

function run(args, { onExit } = {}) {
  // stdin is /dev/null: wrangler never prompts (its confirmations take the non-interactive
  // default) and the interactive dev session hotkeys stay off.
  const proc = spawn(NODE, [WRANGLER, ...args], { cwd: ROOT, env: childEnv, stdio: ["ignore", "inherit", "inherit"] });
  child = proc;
  const done = new Promise((resolve) => {
    proc.on("error", (err) => {
      warn(`could not run wrangler: ${err.message}`);
      resolve({ code: 1, signal: null });
    });
    proc.on("exit", (code, signal) => resolve({ code, signal }));
  });
  done.then((result) => {
    if (child === proc) child = null;
    onExit?.(result);
  });
  return done;
}

function exitCodeOf({ code, signal }) {
  if (code !== null && code !== undefined) return code;
  return 128 + (osConstants.signals[signal] ?? 1);
}

/** wrangler gets this long to stop workerd before it is killed: the whole stop stays under 5 s. */
const STOP_GRACE_MS = 3_500;

function onSignal(signal) {
  if (stopping) {
    // Second signal: stop waiting politely.
    if (child) child.kill("SIGKILL");
    process.exit(0);
  }
  stopping = signal;
  log(`${signal} received, stopping wrangler…`);
  if (!child) process.exit(0);
  // wrangler stops workerd on SIGINT and SIGTERM; on SIGHUP its outer process dies alone.
  child.kill(signal === "SIGHUP" ? "SIGTERM" : signal);
  // If wrangler does not stop in time, make sure nothing is left behind.
  setTimeout(() => {
    if (child) {
      warn(`wrangler did not stop within ${STOP_GRACE_MS / 1000} s; killing it`);
      child.kill("SIGKILL");
    }
  }, STOP_GRACE_MS).unref();
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, onSignal);

// npm passes on only SIGINT and SIGTERM: on SIGHUP it dies at once (its exit is the signal's,
// nothing here can change that) and leaves us behind. When our parent is gone (we are
// re-parented), stop as if the signal had reached us.
const parentAtStart = process.ppid;
setInterval(() => {
  if (process.ppid !== parentAtStart) onSignal("SIGHUP");
}, 200).unref();

// ---- 1. migrations ---------------------------------------------------------------------------

const persistArgs = ["--persist-to", STATE_DIR];
// DevTools inspector: wrangler's default is 9229 (or a free one); 0 = any free port, which avoids
// a race on 9229 when several servers start at the same moment (the end-to-end tests use 0).
const inspectorArgs = process.env.DISPATCH_INSPECTOR_PORT ? ["--inspector-port", process.env.DISPATCH_INSPECTOR_PORT] : [];
const migrationsDir = path.join(ROOT, "migrations");
const hasMigrations = existsSync(migrationsDir) && readdirSync(migrationsDir).some((f) => f.endsWith(".sql"));

if (hasMigrations) {
  log(`applying D1 migrations to the local database in ${STATE_DIR}`);
  const result = await run(["d1", "migrations", "apply", "DB", "--local", ...persistArgs]);
  if (stopping) process.exit(0);
  if (result.code !== 0) {
    warn(`wrangler d1 migrations apply failed (${result.signal ?? `exit code ${result.code}`})`);
    process.exit(exitCodeOf(result));
  }
} else {
  warn("no migrations/*.sql yet; skipping `wrangler d1 migrations apply`");
}

// ---- 2. wrangler dev -----------------------------------------------------------------------

log(`starting wrangler dev on ${BASE_URL}`);
run(
  [
    "dev",
    "--local",
    "--ip",
    HOST,
    "--port",
    String(PORT),
    ...persistArgs,
    ...inspectorArgs,
    "--show-interactive-dev-session=false",
    // wrangler.toml is deployable, so it holds neither: local runs are development, signed with
    // the public dev secret unless JWT_SECRET is set.
    "--var",
    "ENVIRONMENT:development",
    "--var",
    `JWT_SECRET:${process.env.JWT_SECRET || DEV_JWT_SECRET}`,
    ...(process.env.DISPATCH_LOG_LEVEL ? ["--var", `LOG_LEVEL:${process.env.DISPATCH_LOG_LEVEL}`] : []),
    // Test-only: the end-to-end D1-fault test fails this share of outbox writes (src/domain/fault-injection.ts).
    ...(process.env.DISPATCH_FAULT_D1_WRITE_FAILURE_RATE
      ? ["--var", `FAULT_D1_WRITE_FAILURE_RATE:${process.env.DISPATCH_FAULT_D1_WRITE_FAILURE_RATE}`]
      : []),
    // Test-only: the delivery webhooks' end-to-end test shortens their backoff and failure limit
    // (src/domain/delivery-webhook-policy.ts; honoured only in development and test).
    ...DELIVERY_WEBHOOK_VARS.flatMap((name) => (process.env[`DISPATCH_${name}`] ? ["--var", `${name}:${process.env[`DISPATCH_${name}`]}`] : [])),
  ],
  {
    onExit(result) {
      if (stopping) process.exit(0);
      warn(`wrangler dev exited (${result.signal ?? `exit code ${result.code}`})`);
      process.exit(exitCodeOf(result));
    },
  },
);

// ---- 3. wait for /v2/health --------------------------------------------------------------

async function waitForHealth() {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (stopping) return false;
    try {
      const res = await fetch(`${BASE_URL}/v2/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

if (!(await waitForHealth())) {
  if (!stopping) {
    warn(`GET ${BASE_URL}/v2/health did not answer 200 within ${READY_TIMEOUT_MS / 1000} s; leaving wrangler running`);
  }
} else {
  // ---- 4. demo data ------------------------------------------------------------------------
  let token = null;
  try {
    token = await mintToken({ role: "admin", org: DEMO_ORG_ID, ttlSeconds: DEMO_TOKEN_TTL_SECONDS });
  } catch (err) {
    warn(`could not mint the demo token: ${err.message}`);
  }
  let trackingUrl = null;
  if (token && SEED) {
    try {
      const result = await seedDemo(BASE_URL, token);
      if (result.created) {
        log(`demo data created: zone "${result.zone.name}" (${result.zone.id})`);
        for (const d of result.drivers) {
          log(`  driver ${d.name} (${d.id}) ${d.vehicleType ?? ""} ${d.availability ?? ""}`.trimEnd());
        }
      } else {
        log(`demo data already present: ${result.zones.length} zone(s) in the demo org (${result.zones.map((z) => z.name).join(", ")})`);
      }
      trackingUrl = result.trackingUrl;
    } catch (err) {
      warn(`demo seed failed (the server keeps running): ${err.message}`);
    }
  }
  if (!stopping) {
    const lines = [
      "",
      `Dispatch v2 listening on ${BASE_URL}`,
      `  state:      ${STATE_DIR}`,
      `  demo org:   ${DEMO_ORG_ID}`,
    ];
    if (token) lines.push(`  demo admin token (24 h):`, `    export TOKEN=${token}`);
    lines.push(`  ops console: ${BASE_URL}/console  (sign in with the admin token above)`);
    if (trackingUrl) lines.push(`  tracking:    ${trackingUrl}`);
    lines.push(`  more tokens: npm run token -- --role service --org ${DEMO_ORG_ID}`, `  stop: Ctrl-C`, "");
    process.stdout.write(lines.join("\n") + "\n");
  }
}
// The process now stays alive until wrangler exits (see onExit above).
