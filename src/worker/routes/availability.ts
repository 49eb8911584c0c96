import { Hono } from "hono";
import { HistoryQuery, ReasonBody, TakeBreakBody } from "../../contracts/availability";
import { DriverParams } from "../../contracts/drivers";
import type { AppEnv } from "../app-env";
import { selfOr } from "../middleware/authorize";
import { describe } from "../route-spec";
import { readHistory } from "../trail-reads";
import { body, params, query } from "../validation";
import { callDriverZone, moveAvailability } from "../zone-client";

/** Seed 001 "Availability States API": the driver's own moves, and their history. */
export const availabilityRoutes = new Hono<AppEnv>()
  .post(
    "/drivers/:id/availability/take-break",
    describe({ summary: "Take a break", tag: "Availability", answers: { 200: { description: "`{ success, status: \"on_break\", breakUntil, driverId }`" } } }),
    params(DriverParams),
    body(TakeBreakBody),
    selfOr("id", "ops", "admin"),
    async (c) => {
      const { durationMinutes, reason } = c.req.valid("json");
      const driver = await moveAvailability(c, c.req.valid("param").id, "take_break", { durationMinutes, reason });
      return c.json({ success: true, status: "on_break", breakUntil: driver.availabilityUntil, driverId: driver.id });
    },
  )
  .post(
    "/drivers/:id/availability/end-shift",
    describe({ summary: "End the shift", tag: "Availability", answers: { 200: { description: "`{ success, status: \"shift_ended\", driverId }`" } } }),
    params(DriverParams),
    body(ReasonBody),
    selfOr("id", "ops", "admin"),
    async (c) => {
      const driver = await moveAvailability(c, c.req.valid("param").id, "end_shift", c.req.valid("json"));
      return c.json({ success: true, status: "shift_ended", driverId: driver.id });
    },
  )
  .post(
    "/drivers/:id/availability/resume",
    describe({ summary: "Start or resume work (available)", tag: "Availability", answers: { 200: { description: "`{ success, status: \"available\", driverId }`" } } }),
    params(DriverParams),
    body(ReasonBody),
    selfOr("id", "ops", "admin"),
    async (c) => {
      const driver = await moveAvailability(c, c.req.valid("param").id, "resume", c.req.valid("json"));
      return c.json({ success: true, status: "available", driverId: driver.id });
    },
  )
  .get(
    "/drivers/:id/availability/history",
    describe({ summary: "A driver's availability history, newest first", tag: "Availability", answers: { 200: { description: "`{ history }`" } } }),
    params(DriverParams),
    query(HistoryQuery),
    selfOr("id", "ops", "admin"),
    async (c) => {
      const { org } = c.get("caller");
      const { id } = c.req.valid("param");
      const pending = await callDriverZone(c.env, org, id, (zone) => zone.pendingHistory(org, id));
      const history = await readHistory(c.env.DB, org, id, c.req.valid("query").limit, pending);
      return c.json({ history });
    },
  );
