// End to end: the README's `npm start`, over real HTTP, with a fresh local state directory.
// Harness: spawn `npm start` in its own process group, wait for /v2/health, and in afterAll
// signal the whole group (SIGINT like Ctrl-C, then SIGTERM, then SIGKILL) and check that no
// process of it (npm, node, wrangler, workerd) is left.

import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DEMO_ORG_ID = "6f1c3f1e-0d7a-4c47-9c0a-1d2f3e4a5b6c"; // scripts/seed-demo.mjs
const DEMO_ZONE_NAME = "Demo: Central Bengaluru";
const HEALTH_TIMEOUT_MS = 90_000;

const JWT_SECRET = "local-dev-secret-do-not-use-in-production";
const JWT_ISSUER = "dispatch";
const JWT_AUDIENCE = "dispatch-api";

type Role = "driver" | "service" | "ops" | "admin";

async function token(role: Role, org: string, sub: string = randomUUID()): Promise<string> {
  return new SignJWT({ role, org })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(sub)
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(JWT_SECRET));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error("no port"))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** pids of live processes in process group `pgid`, or whose command line mentions `marker`. */
function leftovers(pgid: number, marker: string): string[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-eo", "pid=,pgid=,stat=,args="], { encoding: "utf8" });
  } catch {
    return [];
  }
  return out
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .filter((line) => {
      const [pid, group, stat, ...args] = line.split(/\s+/);
      if (Number(pid) === process.pid || stat?.startsWith("Z")) return false; // zombies are already dead
      return Number(group) === pgid || args.join(" ").includes(marker);
    });
}

let server: ChildProcess | undefined;
let serverExited: Promise<void> = Promise.resolve();
let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
let output = "";
let baseUrl = "";
let stateDir = "";

function tail(): string {
  return output.slice(-4000);
}

async function request(method: string, urlPath: string, bearer: string, body?: unknown) {
  const res = await fetch(baseUrl + urlPath, {
    method,
    headers: {
      Authorization: `Bearer ${bearer}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  stateDir = mkdtempSync(path.join(tmpdir(), "dispatch-e2e-state-"));

  server = spawn("npm", ["start"], {
    cwd: ROOT,
    detached: true, // own process group: afterAll kills npm, node, wrangler and workerd together
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: String(port),
      DISPATCH_STATE_DIR: stateDir,
      DISPATCH_INSPECTOR_PORT: "0", // no race on 9229 with another server starting at once
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      FORCE_COLOR: "0",
      NO_COLOR: "1",
    },
  });
  server.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  server.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  serverExited = new Promise((resolve) => {
    server!.on("exit", (code, signal) => {
      exitInfo = { code, signal };
      resolve();
    });
    server!.on("error", (err) => {
      output += `\n[spawn error] ${err.message}\n`;
      exitInfo = { code: -1, signal: null };
      resolve();
    });
  });

  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  for (;;) {
    if (exitInfo) throw new Error(`npm start exited early (${JSON.stringify(exitInfo)}):\n${tail()}`);
    try {
      const res = await fetch(`${baseUrl}/v2/health`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`GET /v2/health not 200 within ${HEALTH_TIMEOUT_MS / 1000} s:\n${tail()}`);
    await sleep(500);
  }
  // start.mjs seeds after health answers; wait for its "listening" line (or its exit).
  const seedDeadline = Date.now() + 30_000;
  while (!/Dispatch v2 listening on/.test(output) && !exitInfo && Date.now() < seedDeadline) await sleep(200);
});

afterAll(async () => {
  const child = server;
  try {
    if (child?.pid !== undefined) {
      const pgid = child.pid;
      const killGroup = (signal: NodeJS.Signals) => {
        try {
          process.kill(-pgid, signal);
        } catch {
          // group already gone
        }
      };
      // Ctrl-C first (what a user does: SIGINT to the whole foreground group), then SIGTERM.
      let exited = exitInfo !== undefined;
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        if (exited) break;
        killGroup(signal);
        exited = await Promise.race([serverExited.then(() => true), sleep(15_000).then(() => false)]);
      }
      // Children may outlive npm for a moment; give the group time to empty, then force it.
      let left = leftovers(pgid, stateDir);
      for (let i = 0; left.length > 0 && i < 40; i++) {
        await sleep(250);
        left = leftovers(pgid, stateDir);
      }
      if (!exited || left.length > 0) {
        killGroup("SIGKILL");
        for (const line of left) {
          try {
            process.kill(Number(line.split(/\s+/)[0]), "SIGKILL");
          } catch {
            // gone
          }
        }
        await sleep(500);
        throw new Error(
          `npm start did not shut down cleanly (npm exited: ${exited}); processes left after SIGINT/SIGTERM:\n${left.join("\n")}\n--- output ---\n${tail()}`,
        );
      }
    }
  } finally {
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }
});

describe("npm start (README quick start)", () => {
  it("serves GET /v2/health", async () => {
    const res = await fetch(`${baseUrl}/v2/health`);
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body.status).toBe("ok");
    expect(typeof body.time).toBe("string");
  });

  it("announces itself and seeds the demo org", async () => {
    expect(output).toContain(`Dispatch v2 listening on ${baseUrl}`);
    const admin = await token("admin", DEMO_ORG_ID);
    const res = await request("GET", "/v2/admin/zones", admin);
    expect(res.status, res.text).toBe(200);
    expect(Array.isArray(res.json?.zones)).toBe(true);
    expect(res.json.zones.length).toBeGreaterThanOrEqual(1);
    expect(res.json.zones.map((z: { name: string }) => z.name)).toContain(DEMO_ZONE_NAME);
    expect(output).toContain(DEMO_ZONE_NAME);
  });

  it("zone → driver → delivery → read back, for a new org", async () => {
    const org = randomUUID();
    const admin = await token("admin", org);
    const service = await token("service", org);

    const zone = await request("POST", "/v2/admin/zones", admin, {
      name: "E2E zone",
      polygon: {
        type: "Polygon",
        coordinates: [
          [
            [77.55, 12.9],
            [77.65, 12.9],
            [77.65, 13.0],
            [77.55, 13.0],
            [77.55, 12.9],
          ],
        ],
      },
    });
    expect(zone.status, zone.text).toBe(201);
    expect(typeof zone.json.id).toBe("string");
    expect(zone.json.name).toBe("E2E zone");
    const zoneId: string = zone.json.id;

    const driver = await request("POST", "/v2/admin/drivers", admin, {
      name: "E2E Driver",
      phone: "+919812345678",
      vehicle: "Honda Activa",
      vehicleType: "scooter",
      zoneId,
      location: { lat: 12.95, lon: 77.6 },
    });
    expect(driver.status, driver.text).toBe(201);
    expect(typeof driver.json.id).toBe("string");
    expect(driver.json.availability).toBe("offline");
    const driverId: string = driver.json.id;

    const sellerOrderId = `e2e-${randomUUID().slice(0, 8)}`;
    const delivery = await request("POST", "/v2/deliveries", service, {
      sellerOrderId,
      storeName: "E2E Store",
      pickup: { lat: 12.96, lon: 77.6 },
      dropoff: { lat: 12.98, lon: 77.62 },
    });
    expect(delivery.status, delivery.text).toBe(201);
    expect(typeof delivery.json.id).toBe("string");
    expect(delivery.json.status).toBe("ready");
    expect(delivery.json.zoneId).toBe(zoneId);
    expect(delivery.json.orderId).toBe(sellerOrderId);
    expect(typeof delivery.json.trackingToken).toBe("string");
    expect(delivery.json.trackingToken.length).toBeGreaterThan(0);
    expect(delivery.json.trackingUrl).toContain(`/track/${sellerOrderId}?token=`);
    const deliveryId: string = delivery.json.id;

    const readBack = await request("GET", `/v2/admin/deliveries/${deliveryId}`, admin);
    expect(readBack.status, readBack.text).toBe(200);
    expect(readBack.json.id).toBe(deliveryId);
    expect(readBack.json.status).toBe("ready"); // the only driver is offline: nothing to match

    const driverRead = await request("GET", `/v2/drivers/${driverId}`, admin);
    expect(driverRead.status, driverRead.text).toBe(200);
    expect(driverRead.json.id).toBe(driverId);
    expect(driverRead.json.name).toBe("E2E Driver");
    expect(driverRead.json.availability).toBe("offline");
    expect(driverRead.json.zoneId).toBe(zoneId);
  });
});
