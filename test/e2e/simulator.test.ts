// `npm run simulate` (scripts/simulate.mjs) as a real child process against the README's
// `npm start` with its demo seed: 20 simulated drivers take 100 deliveries through offer →
// accept → picked_up → in_transit → delivered over their sockets (travel compressed ×600), and
// the simulator's JSON summary must show every delivery delivered exactly once, no error of any
// kind and the latency figures. The server itself is asked afterwards whether any simulated
// delivery is still open or any simulated driver still working. Also: deliveries left undelivered
// are exit code 1; a bad argument is the usage and exit code 2, an unknown zone too; and SIGINT to
// the whole process group (Ctrl-C) ends the run with exit code 130 and the summary so far.

import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error scripts/seed-demo.mjs is plain JavaScript without type declarations
import { DEMO_ORG_ID, DEMO_ZONE } from "../../scripts/seed-demo.mjs";
import { ROOT, type Server, startServer, token } from "./server";

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the simulator to its end. `command` is `npx node` (as the README runs scripts) or this
 * Node itself, whose exit code is the script's own (npx dies of a SIGINT sent to its group
 * instead of reporting the child's code). `interruptWhen` sends SIGINT to the child's process
 * group, as Ctrl-C does, once its stderr matches.
 */
function simulate(args: string[], { direct = false, interruptWhen }: { direct?: boolean; interruptWhen?: RegExp } = {}): Promise<Run> {
  const [command, prefix] = direct ? [process.execPath, []] : ["npx", ["node"]];
  const child = spawn(command, [...prefix, "scripts/simulate.mjs", ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
  });
  let stdout = "";
  let stderr = "";
  let interrupted = false;
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    if (interruptWhen && !interrupted && interruptWhen.test(stderr)) {
      interrupted = true;
      setTimeout(() => process.kill(-child.pid!, "SIGINT"), 1500);
    }
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

let server: Server;

beforeAll(async () => {
  server = await startServer(); // the demo seed: the demo org and its zone
});

afterAll(async () => {
  await server?.stop();
});

describe("npm run simulate", () => {
  it("takes 100 deliveries with 20 socket drivers through to delivered, each through exactly one accepted offer", async () => {
    const run = await simulate([
      "--url", server.baseUrl,
      "--drivers", "20",
      "--deliveries", "100",
      "--rate", "10/s",
      "--accept-rate", "0.8",
      "--speed-kmh", "25",
      "--time-scale", "600",
      "--location-interval", "1",
      "--seed", "7",
      "--json",
    ]);
    const detail = `exit ${run.code}\n--- stderr ---\n${run.stderr.slice(-3000)}\n--- stdout ---\n${run.stdout.slice(0, 3000)}`;
    expect(run.code, detail).toBe(0);
    const summary = JSON.parse(run.stdout);

    expect(summary.ok, detail).toBe(true);
    expect(summary.interrupted).toBe(false);
    expect(summary.org).toBe(DEMO_ORG_ID);
    expect(summary.zone.name).toBe(DEMO_ZONE.name);
    expect(summary.drivers).toMatchObject({ requested: 20, created: 20, onlinePeak: 20 });
    expect(summary.deliveries).toEqual({ requested: 100, created: 100, creationFailed: 0, assigned: 100, delivered: 100 });
    expect(summary.errors, detail).toEqual({});
    expect(summary.checks).toEqual({
      passed: true,
      checked: 100,
      delivered: 100,
      undelivered: 0,
      exactlyOnceViolations: 0,
      readFailures: 0,
      notCreated: 0,
      problems: [],
    });

    // Offers: one accepted per delivery; with an accept rate of 0.8 some are turned down, and
    // every offer a driver got was answered one way or the other (none expired unanswered).
    expect(summary.offers.accepted).toBe(100);
    expect(summary.offers.rejected).toBeGreaterThan(0);
    expect(summary.offers.expired).toBe(0);
    expect(summary.offers.received).toBe(summary.offers.accepted + summary.offers.rejected + summary.offers.acceptsLost);

    for (const name of ["createToOffer", "createToAccept"] as const) {
      const d = summary.latencyMs[name];
      expect(d.count, name).toBe(100);
      for (const p of ["p50", "p95", "p99", "max"]) expect(typeof d[p], `${name}.${p}`).toBe("number");
      expect(d.p50, name).toBeLessThanOrEqual(d.p95);
      expect(d.p95, name).toBeLessThanOrEqual(d.p99);
      expect(d.p99, name).toBeLessThanOrEqual(d.max);
    }
    // An accept answers an offer: for each delivery it comes after the first offer.
    expect(summary.latencyMs.createToAccept.p50).toBeGreaterThanOrEqual(summary.latencyMs.createToOffer.p50);

    // The server's own view: no simulated delivery left open, no simulated driver still working.
    const ops = await token("ops", DEMO_ORG_ID);
    const board = await server.request("GET", `/v2/admin/zones/${summary.zone.id}/board`, ops);
    expect(board.status, board.text).toBe(200);
    expect(board.json.deliveries.filter((d: { sellerOrderId: string }) => d.sellerOrderId.startsWith("sim-"))).toEqual([]);
    const drivers = await server.request("GET", `/v2/drivers?zoneId=${summary.zone.id}&limit=500`, ops);
    expect(drivers.status, drivers.text).toBe(200);
    const simulated = drivers.json.drivers.filter((d: { name: string }) => d.name.startsWith("Sim "));
    expect(simulated).toHaveLength(20);
    expect(new Set(simulated.map((d: { availability: string }) => d.availability))).toEqual(new Set(["shift_ended"]));
  });

  it("exits with code 1 when deliveries are left undelivered at the end", async () => {
    // Real-time travel and a 5-minute preparation time, but only 1 s to wait for the deliveries.
    const run = await simulate(["--url", server.baseUrl, "--drivers", "2", "--deliveries", "4", "--rate", "20", "--drain-timeout", "1", "--json"]);
    expect(run.code, run.stderr).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary.ok).toBe(false);
    expect(summary.deliveries.created).toBe(4);
    expect(summary.checks.passed).toBe(false);
    expect(summary.checks.undelivered).toBe(4);
    expect(summary.checks.exactlyOnceViolations).toBe(0);
    expect(summary.checks.problems).toHaveLength(4);
  });

  it("answers a bad argument with the usage and exit code 2, and an unknown zone with exit code 2", async () => {
    const bad = await simulate(["--drivers", "zero"], { direct: true });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/--drivers <n>.*'zero' is invalid/);
    expect(bad.stderr).toContain("Usage: simulate [options]");
    expect(bad.stderr).toContain("--accept-rate <p>");

    const unknownOption = await simulate(["--driver", "20"], { direct: true });
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("unknown option '--driver'");
    expect(unknownOption.stderr).toContain("Usage: simulate [options]");

    const noZone = await simulate(["--url", server.baseUrl, "--zone", "No such zone", "--json"], { direct: true });
    expect(noZone.code, noZone.stderr).toBe(2);
    expect(noZone.stderr).toContain(`--zone "No such zone" is not a zone of the org`);
    expect(noZone.stderr).toContain(DEMO_ZONE.name);
  });

  it("stops on SIGINT with exit code 130 and the summary so far", async () => {
    const run = await simulate(["--url", server.baseUrl, "--drivers", "3", "--deliveries", "10000", "--rate", "5", "--json"], {
      direct: true,
      interruptWhen: /drivers online/,
    });
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toContain("SIGINT: stopping");
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ ok: false, interrupted: true, checks: null });
    expect(summary.drivers.created).toBe(3);
    expect(summary.deliveries.created).toBeGreaterThan(0);
    expect(summary.deliveries.created).toBeLessThan(10000);
  });
});
