import { describe, expect, it } from "vitest";
import { DEFAULT_ZONE_SETTINGS } from "../../src/contracts/zones";
import type { ZoneConfig } from "../../src/domain/model";
import { sizedZone, zoneHoldingPoint } from "../../src/domain/zone-choice";
import { squarePolygon } from "../helpers/geometry";

const CENTER = { lat: 12.95, lon: 77.6 };

function zone(id: string, overrides: { half?: number; priorityLevel?: number; createdAt?: string } = {}): ZoneConfig {
  const createdAt = overrides.createdAt ?? "2026-01-01T00:00:00.000Z";
  return {
    id,
    orgId: "org",
    name: id,
    polygon: squarePolygon(CENTER, overrides.half ?? 0.05),
    priorityLevel: overrides.priorityLevel ?? 5,
    minDriversOnline: 0,
    targetWaitTimeSeconds: 300,
    timezone: "UTC",
    settings: DEFAULT_ZONE_SETTINGS,
    createdAt,
    updatedAt: createdAt,
  };
}

const choose = (zones: ZoneConfig[], point = CENTER) => zoneHoldingPoint(zones.map(sizedZone), point)?.id ?? null;

describe("zoneHoldingPoint", () => {
  it("answers null when no zone holds the point, and ignores zones that do not", () => {
    expect(choose([zone("a")], { lat: 13.5, lon: 77.6 })).toBeNull();
    const far = { ...zone("far"), polygon: squarePolygon({ lat: 20, lon: 70 }), priorityLevel: 1 };
    expect(choose([far, zone("near")])).toBe("near");
  });

  it("finds a zone for a point exactly on its border", () => {
    expect(choose([zone("a")], { lat: CENTER.lat, lon: CENTER.lon + 0.05 })).toBe("a");
  });

  it("prefers the higher priority (1 is highest) over a smaller area", () => {
    expect(choose([zone("small", { half: 0.01, priorityLevel: 2 }), zone("big", { half: 0.05, priorityLevel: 1 })])).toBe("big");
  });

  it("at equal priority prefers the smaller area over the older zone", () => {
    const big = zone("big", { half: 0.05, createdAt: "2025-01-01T00:00:00.000Z" });
    const small = zone("small", { half: 0.01, createdAt: "2026-01-01T00:00:00.000Z" });
    expect(choose([big, small])).toBe("small");
  });

  it("at equal priority and area prefers the older zone, then the lower id, whatever the order given", () => {
    const older = zone("z-older", { createdAt: "2025-01-01T00:00:00.000Z" });
    const newer = zone("a-newer", { createdAt: "2026-01-01T00:00:00.000Z" });
    expect(choose([newer, older])).toBe("z-older");
    expect(choose([older, newer])).toBe("z-older");
    expect(choose([zone("b"), zone("a")])).toBe("a");
    expect(choose([zone("a"), zone("b")])).toBe("a");
  });

  it("leaves the zones it was given in their order", () => {
    const zones = [zone("b"), zone("a")].map(sizedZone);
    zoneHoldingPoint(zones, CENTER);
    expect(zones.map((z) => z.zone.id)).toEqual(["b", "a"]);
  });
});
