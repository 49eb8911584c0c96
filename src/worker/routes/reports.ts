import { type Context, Hono } from "hono";
import { DispatchReport, EarningsReport, ReportQuery } from "../../contracts/reports";
import { reportWindow } from "../../domain/report-window";
import type { AppEnv } from "../app-env";
import { badRequest } from "../http-error";
import { allow } from "../middleware/authorize";
import { flushZones, zoneIdsOf } from "../org-zones";
import { type ReportScope, dispatchReport, earningsReport } from "../reports";
import { describe } from "../route-spec";
import { query } from "../validation";
import { unwrap, zoneStub } from "../zone-client";

/**
 * The window and zones a report covers; the zones flush their outboxes first, so the report
 * sees everything they acknowledged before it (read-your-writes).
 */
async function scopeOf(c: Context<AppEnv>, input: ReportQuery): Promise<ReportScope> {
  const { org } = c.get("caller");
  const window = reportWindow(input, Date.now());
  if (!window.ok) throw badRequest(`Validation failed: ${window.path}: ${window.message}`, [{ path: window.path, message: window.message }]);
  const zoneIds = await zoneIdsOf(c.env.DB, org, input.zoneId);
  await flushZones(c.env, org, zoneIds);
  return { orgId: org, zoneId: input.zoneId, from: window.from, to: window.to };
}

/** Ops reports over D1 (docs/api.md "Reports"). */
export const reportRoutes = new Hono<AppEnv>()
  .get("/admin/reports/earnings", describe({ summary: "Drivers' pay for deliveries delivered in a window", tag: "Reports", answers: { 200: { description: "Totals and each driver's deliveries and pay", schema: EarningsReport } } }), query(ReportQuery), allow("ops", "admin"), async (c) => {
    const scope = await scopeOf(c, c.req.valid("query"));
    const { org } = c.get("caller");
    // Names live with the drivers in the zones; a driver may have moved, so every zone is asked.
    const perZone = await Promise.all((await zoneIdsOf(c.env.DB, org)).map(async (id) => unwrap(await zoneStub(c.env, org, id).listDrivers(org))));
    const names = new Map(perZone.flat().map((d) => [d.id, d.name]));
    return c.json(await earningsReport(c.env.DB, scope, (id) => names.get(id) ?? null));
  })
  .get("/admin/reports/dispatch", describe({ summary: "What happened to deliveries and offers in a window", tag: "Reports", answers: { 200: { description: "Counts, acceptance rate, assignment waits, unassigned by reason", schema: DispatchReport } } }), query(ReportQuery), allow("ops", "admin"), async (c) => {
    const scope = await scopeOf(c, c.req.valid("query"));
    return c.json(await dispatchReport(c.env.DB, scope));
  });
