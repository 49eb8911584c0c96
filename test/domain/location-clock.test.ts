import { describe, expect, it } from "vitest";
import { T0, memoryZone } from "./zone-fixture";

const S = 1000;
const iso = (ms: number) => new Date(ms).toISOString();

describe("finding 6: a future recordedAt freezes a driver's position", () => {
  it("a device time more than 30 s ahead of the server is replaced by the receive time, so later fixes still apply", () => {
    const z = memoryZone();
    const driver = z.addOnlineDriver(T0);
    const ahead = z.command(T0 + S, "recordLocation", {
      driverId: driver.id,
      report: { lat: 12.951, lon: 77.601, recordedAt: iso(T0 + S + 31 * S) },
    });
    expect(ahead.applied).toBe(true);
    expect(ahead.driver.location?.recordedAt).toBe(iso(T0 + S));
    // The next honest fix, a second later, is newer than what is held and moves the driver.
    const next = z.command(T0 + 2 * S, "recordLocation", { driverId: driver.id, report: { lat: 12.952, lon: 77.602 } });
    expect(next.applied).toBe(true);
    expect(next.driver.location).toMatchObject({ lat: 12.952, lon: 77.602, recordedAt: iso(T0 + 2 * S) });
  });

  it("a device time up to 30 s ahead is kept as the device sent it", () => {
    const z = memoryZone();
    const driver = z.addOnlineDriver(T0);
    const { driver: after } = z.command(T0 + S, "recordLocation", {
      driverId: driver.id,
      report: { lat: 12.951, lon: 77.601, recordedAt: iso(T0 + S + 30 * S) },
    });
    expect(after.location?.recordedAt).toBe(iso(T0 + 31 * S));
  });
});
