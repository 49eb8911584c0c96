import { Hono } from "hono";
import { z } from "zod";
import { ReasonBody } from "../../contracts/availability";
import { DriverPerformanceView, PerformanceQuery } from "../../contracts/performance";
import { CreateDriverBody, DriverListQuery, DriverParams, DriverView, LocationBody, PatchDriverBody, ZonePreferencesBody } from "../../contracts/drivers";
import type { AppEnv } from "../app-env";
import { forgetEntries, registerDriverEntry } from "../directory";
import { notFound } from "../http-error";
import { allow, selfOr } from "../middleware/authorize";
import { driverView } from "../presenters";
import { EXAMPLES } from "../route-examples";
import { describe } from "../route-spec";
import { body, params, query } from "../validation";
import { callDriverZone, createOrUndo, decide, moveAvailability, moveDriver, unwrap, zoneStub } from "../zone-client";
import { listZones, requireZone } from "../zone-registry";

export const driverRoutes = new Hono<AppEnv>()
  .post("/admin/drivers", describe({ summary: "Create a driver (offline)", tag: "Drivers", example: EXAMPLES.createDriver, answers: { 201: { description: "The driver", schema: DriverView } } }), body(CreateDriverBody), allow("admin"), async (c) => {
    const { zoneId, ...input } = c.req.valid("json");
    const caller = c.get("caller");
    await requireZone(c.env.DB, caller.org, zoneId);
    const id = crypto.randomUUID();
    await registerDriverEntry(c.env.DB, caller.org, zoneId, id);
    const driver = await createOrUndo(
      () => decide(zoneStub(c.env, caller.org, zoneId), caller.org, "createDriver", { driverId: id, profile: input }, c.get("traceId")),
      () => forgetEntries(c.env.DB, caller.org, [{ kind: "driver", ref: id }]),
    );
    return c.json(driverView(driver, caller), 201);
  })
  .get("/drivers", describe({ summary: "List drivers, by zone and availability", tag: "Drivers", answers: { 200: { description: "`{ drivers }`", schema: z.object({ drivers: z.array(DriverView) }) } } }), query(DriverListQuery), allow("ops", "admin"), async (c) => {
    const { zoneId, availability, limit } = c.req.valid("query");
    const caller = c.get("caller");
    const zoneIds = zoneId
      ? [(await requireZone(c.env.DB, caller.org, zoneId)).id]
      : (await listZones(c.env.DB, caller.org)).map((z) => z.id);
    const perZone = await Promise.all(
      zoneIds.map(async (id) => unwrap(await zoneStub(c.env, caller.org, id).listDrivers(caller.org))),
    );
    const drivers = perZone
      .flat()
      .filter((d) => !availability || d.availability === availability)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .slice(0, limit);
    return c.json({ drivers: drivers.map((d) => driverView(d, caller)) });
  })
  .get("/drivers/:id", describe({ summary: "Read a driver", tag: "Drivers", answers: { 200: { description: "The driver", schema: DriverView } } }), params(DriverParams), selfOr("id", "ops", "admin"), async (c) => {
    const caller = c.get("caller");
    const { id } = c.req.valid("param");
    const driver = await callDriverZone(c.env, caller.org, id, (zone) => zone.getDriver(caller.org, id));
    return c.json(driverView(driver, caller));
  })
  .get("/drivers/:id/performance", describe({ summary: "A driver's performance over a day, a week or all time", tag: "Drivers", answers: { 200: { description: "The figures of the period", schema: DriverPerformanceView } } }), params(DriverParams), query(PerformanceQuery), selfOr("id", "ops", "admin"), async (c) => {
    const caller = c.get("caller");
    const { id } = c.req.valid("param");
    const { period } = c.req.valid("query");
    return c.json(await callDriverZone(c.env, caller.org, id, (zone) => zone.driverPerformance(caller.org, id, period)));
  })
  .patch("/admin/drivers/:id", describe({ summary: "Change a driver (a new zoneId moves them)", tag: "Drivers", answers: { 200: { description: "The driver", schema: DriverView } } }), params(DriverParams), body(PatchDriverBody), allow("admin"), async (c) => {
    const caller = c.get("caller");
    const { id } = c.req.valid("param");
    const { zoneId, ...profile } = c.req.valid("json");
    if (zoneId) {
      await requireZone(c.env.DB, caller.org, zoneId);
      await moveDriver(c.env, caller.org, id, zoneId, () =>
        callDriverZone(c.env, caller.org, id, (zone) => zone.departDriver(caller.org, id, zoneId)),
      );
    }
    const driver = await callDriverZone(c.env, caller.org, id, (zone) =>
      Object.keys(profile).length > 0 ? decide(zone, caller.org, "editDriver", { driverId: id, patch: profile }, c.get("traceId")) : zone.getDriver(caller.org, id),
    );
    return c.json(driverView(driver, caller));
  })
  .put(
    "/drivers/:id/zone-preferences",
    describe({ summary: "Set a driver's zone preferences", tag: "Drivers", answers: { 200: { description: "`{ driverId, preferences }`" } } }),
    params(DriverParams),
    body(ZonePreferencesBody),
    selfOr("id", "ops", "admin"),
    async (c) => {
      const caller = c.get("caller");
      const { id } = c.req.valid("param");
      const { preferences } = c.req.valid("json");
      const known = new Set((await listZones(c.env.DB, caller.org)).map((z) => z.id));
      const unknown = preferences.find((p) => !known.has(p.zoneId));
      if (unknown) throw notFound(`Zone ${unknown.zoneId} not found`);
      const driver = await callDriverZone(c.env, caller.org, id, (zone) =>
        decide(zone, caller.org, "setZonePreferences", { driverId: id, preferences }, c.get("traceId")),
      );
      return c.json({ driverId: id, preferences: driverView(driver, caller).zonePreferences });
    },
  )
  .post("/drivers/:id/location", describe({ summary: "Report a driver's position", tag: "Drivers", example: EXAMPLES.location, answers: { 200: { description: "`{ success, driverId, applied, location }`" } } }), params(DriverParams), body(LocationBody), selfOr("id", "ops", "admin"), async (c) => {
    const caller = c.get("caller");
    const { id } = c.req.valid("param");
    const report = c.req.valid("json");
    const { applied, driver } = await callDriverZone(c.env, caller.org, id, (zone) =>
      decide(zone, caller.org, "recordLocation", { driverId: id, report }, c.get("traceId")),
    );
    return c.json({ success: true, driverId: id, applied, location: driver.location });
  })
  .post("/admin/drivers/:id/pause", describe({ summary: "Pause a driver (ops)", tag: "Drivers", answers: { 200: { description: "`{ success, status, driverId }`" } } }), params(DriverParams), body(ReasonBody), allow("ops", "admin"), async (c) => {
    const driver = await moveAvailability(c, c.req.valid("param").id, "pause", { reason: c.req.valid("json").reason });
    return c.json({ success: true, status: driver.availability, driverId: driver.id });
  })
  .post("/admin/drivers/:id/unpause", describe({ summary: "Unpause a driver (ops)", tag: "Drivers", answers: { 200: { description: "`{ success, status, driverId }`" } } }), params(DriverParams), body(ReasonBody), allow("ops", "admin"), async (c) => {
    const driver = await moveAvailability(c, c.req.valid("param").id, "unpause", { reason: c.req.valid("json").reason });
    return c.json({ success: true, status: driver.availability, driverId: driver.id });
  });
