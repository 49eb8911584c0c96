// Hardening finding 12: `kill -TERM` of the `npm start` process used to leave start.mjs and
// workerd running (npm's shell died, nothing reached start.mjs). Each stop signal sent to the
// npm process alone must now stop every process of it within 5 s.
import { describe, expect, it } from "vitest";
import { startServer } from "./server";

describe("finding 12: kill -TERM of npm start leaves start.mjs and workerd running", () => {
  it.each(["SIGTERM", "SIGINT", "SIGHUP"] as const)("%s to the npm process stops everything within 5 s", async (signal) => {
    const server = await startServer({ seed: false });
    try {
      expect((await fetch(`${server.baseUrl}/v2/health`)).status).toBe(200);
      const { exitCode, exitSignal, stoppedInMs } = await server.signalNpm(signal, 5_000);
      expect(stoppedInMs).toBeLessThanOrEqual(5_000);
      // npm passes SIGINT and SIGTERM on and exits with start.mjs's 0; SIGHUP it does not handle,
      // so npm itself ends by that signal while start.mjs notices it is orphaned and stops the rest.
      expect({ exitCode, exitSignal }).toEqual(signal === "SIGHUP" ? { exitCode: null, exitSignal: "SIGHUP" } : { exitCode: 0, exitSignal: null });
      await expect(fetch(`${server.baseUrl}/v2/health`)).rejects.toThrow();
    } finally {
      await server.stop();
    }
  });
});
