import { Hono } from "hono";
import { z } from "zod";
import { ZoneBoardView, ZoneHealth } from "../../contracts/board";
import { CreateZoneBody, ZoneParams, ZoneSettings, ZoneSettingsPatch, ZoneView, mergeZoneSettings } from "../../contracts/zones";
import type { ZoneConfig } from "../../domain/model";
import type { AppEnv } from "../app-env";
import { allow } from "../middleware/authorize";
import { deliveryView, driverView, offerView, zoneView } from "../presenters";
import { EXAMPLES } from "../route-examples";
import { describe } from "../route-spec";
import { trackingLinkOf } from "../tracking-links";
import { body, check, params, query } from "../validation";
import { decide, unwrap, zoneStub } from "../zone-client";
import { forgetZones } from "../zone-locator";
import { listZones, requireZone, saveZone } from "../zone-registry";

const ZoneWithHealth = ZoneView.extend({ health: ZoneHealth });

export const zoneRoutes = new Hono<AppEnv>()
  .post("/admin/zones", describe({ summary: "Create a zone", tag: "Zones", example: EXAMPLES.createZone, answers: { 201: { description: "The zone", schema: ZoneView } } }), body(CreateZoneBody), allow("admin"), async (c) => {
    const input = c.req.valid("json");
    const { org } = c.get("caller");
    const now = new Date().toISOString();
    const zone: ZoneConfig = {
      ...input,
      id: crypto.randomUUID(),
      orgId: org,
      createdAt: now,
      updatedAt: now,
    };
    // The object first: a zone listed in D1 is always one its object knows.
    unwrap(await zoneStub(c.env, org, zone.id).configure(zone));
    await saveZone(c.env.DB, zone);
    forgetZones(org);
    return c.json(zoneView(zone), 201);
  })
  .get("/admin/zones", describe({ summary: "List the organization's zones, each with its live counts and health", tag: "Zones", answers: { 200: { description: "`{ zones }`", schema: z.object({ zones: z.array(ZoneWithHealth) }) } } }), query(z.strictObject({})), allow("ops", "admin"), async (c) => {
    const { org } = c.get("caller");
    const zones = await listZones(c.env.DB, org);
    // One round of parallel reads, however many zones the org has.
    const healths = await Promise.all(zones.map(async (zone) => unwrap(await zoneStub(c.env, org, zone.id).health(org))));
    return c.json({ zones: zones.map((zone, i) => ({ ...zoneView(zone), health: healths[i]! })) });
  })
  .get("/admin/zones/:zoneId", describe({ summary: "Read a zone with its live counts and health", tag: "Zones", answers: { 200: { description: "The zone and `health`", schema: ZoneWithHealth } } }), params(ZoneParams), allow("ops", "admin"), async (c) => {
    const { org } = c.get("caller");
    const zone = await requireZone(c.env.DB, org, c.req.valid("param").zoneId);
    const health = unwrap(await zoneStub(c.env, org, zone.id).health(org));
    return c.json({ ...zoneView(zone), health });
  })
  .get("/admin/zones/:zoneId/board", describe({ summary: "The zone's live board: drivers, deliveries not ended, pending offers", tag: "Zones", answers: { 200: { description: "`{ zone, health, drivers, deliveries, offers }`", schema: ZoneBoardView } } }), params(ZoneParams), allow("ops", "admin"), async (c) => {
    const caller = c.get("caller");
    const zone = await requireZone(c.env.DB, caller.org, c.req.valid("param").zoneId);
    const board = unwrap(await zoneStub(c.env, caller.org, zone.id).board(caller.org));
    const deliveries = await Promise.all(board.deliveries.map(async (d) => deliveryView(d, await trackingLinkOf(c, d))));
    return c.json({
      zone: zoneView(zone),
      health: board.health,
      drivers: board.drivers.map((d) => driverView(d, caller)),
      deliveries,
      offers: board.offers.map(offerView),
    });
  })
  .patch(
    "/admin/zones/:zoneId/settings",
    describe({ summary: "Change a zone's settings (merged, then checked whole)", tag: "Zones", answers: { 200: { description: "The zone's settings", schema: ZoneSettings } } }),
    params(ZoneParams),
    body(ZoneSettingsPatch),
    allow("admin"),
    async (c) => {
      const { org } = c.get("caller");
      const zone = await requireZone(c.env.DB, org, c.req.valid("param").zoneId);
      const patch = c.req.valid("json");
      // The patch is valid on its own; merged with what the zone holds it must still be.
      check(ZoneSettings, mergeZoneSettings(zone.settings, patch), "body");
      const updated = unwrap(await decide(zoneStub(c.env, org, zone.id), org, "updateSettings", { patch }, c.get("traceId")));
      await saveZone(c.env.DB, updated);
      forgetZones(org);
      return c.json(updated.settings);
    },
  );
