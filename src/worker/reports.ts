import { type SQL, and, eq, gte, inArray, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { FailureReason } from "../contracts/escalation";
import type { DispatchReport, EarningsReport } from "../contracts/reports";
import type { AuditEventType } from "../contracts/audit";
import { deliveryAuditLogs, deliveryCosts, unassignedOrders } from "../db/d1-schema";
import { zeroCounts } from "../domain/counts";
import { acceptanceRate } from "../domain/driver-performance";
import { nearestRank } from "../domain/report-window";
import { conflict } from "./http-error";

/*
 * The ops reports, read from what the zones' outboxes wrote into D1 (flush the zones first).
 * Which audit events count for what is documented in docs/api.md "Reports"; each count is one index
 * range: (org_id, event_type, timestamp) for events, (org_id, delivered_at) for pay.
 */

export interface ReportScope {
  orgId: string;
  zoneId?: string;
  from: string;
  to: string;
}

/** The audit events the dispatch report counts, by the figure each one is. */
const COUNTED_EVENTS = [
  "created",
  "driver_assigned",
  "delivery_completed",
  "delivery_failed",
  "delivery_cancelled",
  "offer_created",
  "offer_accepted",
  "offer_rejected",
  "offer_expired",
  "offer_cancelled",
] as const satisfies readonly AuditEventType[];

const PERCENTILES = [50, 90, 99] as const;

const cents = (n: number) => Math.round(n) / 100;

/** GET /v2/admin/reports/earnings: each driver's delivered deliveries and pay in the window. */
export async function earningsReport(db: D1Database, scope: ReportScope, nameOf: (driverId: string) => string | null): Promise<EarningsReport> {
  const where = and(
    eq(deliveryCosts.orgId, scope.orgId),
    scope.zoneId === undefined ? undefined : eq(deliveryCosts.zoneId, scope.zoneId),
    gte(deliveryCosts.deliveredAt, scope.from),
    lt(deliveryCosts.deliveredAt, scope.to),
  );
  const rows = await drizzle(db)
    .select({
      driverId: deliveryCosts.driverId,
      currency: deliveryCosts.currency,
      deliveries: sql<number>`count(*)`,
      // Summed in cents: the amounts are 2-decimal, so the totals stay exact.
      cents: sql<number>`sum(cast(round(${deliveryCosts.driverPayment} * 100) as integer))`,
    })
    .from(deliveryCosts)
    .where(where)
    .groupBy(deliveryCosts.driverId, deliveryCosts.currency);
  const currencies = [...new Set(rows.map((r) => r.currency))].sort();
  // Amounts in different currencies never add up: the caller narrows the window or the zone.
  if (currencies.length > 1) throw conflict(`Payments in this window are in ${currencies.join(" and ")}; report one zone at a time (zoneId)`);
  const drivers = rows
    .map((r) => ({ driverId: r.driverId, driverName: nameOf(r.driverId), deliveries: r.deliveries, earnings: cents(r.cents) }))
    .sort((a, b) => b.earnings - a.earnings || a.driverId.localeCompare(b.driverId));
  return {
    from: scope.from,
    to: scope.to,
    currency: currencies[0] ?? null,
    totals: {
      deliveries: rows.reduce((sum, r) => sum + r.deliveries, 0),
      earnings: cents(rows.reduce((sum, r) => sum + r.cents, 0)),
    },
    drivers,
  };
}

/** From creation to first assignment, of every delivery first assigned in the window (seconds). */
function waitsQuery(scope: ReportScope): SQL {
  const zone = scope.zoneId === undefined ? sql`` : sql` AND a.zone_id = ${scope.zoneId}`;
  return sql`
    WITH waits AS (
      SELECT (julianday(a.timestamp) - julianday(c.timestamp)) * 86400 AS wait
      FROM delivery_audit_logs a
      JOIN delivery_audit_logs c ON c.delivery_id = a.delivery_id AND c.event_type = 'created'
      WHERE a.org_id = ${scope.orgId} AND a.event_type = 'driver_assigned'
        AND a.timestamp >= ${scope.from} AND a.timestamp < ${scope.to}${zone}
        AND NOT EXISTS (
          SELECT 1 FROM delivery_audit_logs e
          WHERE e.delivery_id = a.delivery_id AND e.event_type = 'driver_assigned' AND e.version < a.version
        )
    ),
    ranked AS (SELECT wait, row_number() OVER (ORDER BY wait) AS rank, count(*) OVER () AS n FROM waits)
    SELECT wait, rank, n FROM ranked
    WHERE rank IN ((n * 50 + 99) / 100, (n * 90 + 99) / 100, (n * 99 + 99) / 100)`;
}

/** GET /v2/admin/reports/dispatch: what happened to deliveries and offers in the window. */
export async function dispatchReport(db: D1Database, scope: ReportScope): Promise<DispatchReport> {
  const d1 = drizzle(db);
  const inZone = <T extends typeof deliveryAuditLogs.zoneId | typeof unassignedOrders.zoneId>(column: T) =>
    scope.zoneId === undefined ? undefined : eq(column, scope.zoneId);
  const [[events, unassigned], waits] = await Promise.all([
    d1.batch([
      d1
        .select({
          type: deliveryAuditLogs.eventType,
          events: sql<number>`count(*)`,
          deliveries: sql<number>`count(DISTINCT ${deliveryAuditLogs.deliveryId})`,
        })
        .from(deliveryAuditLogs)
        .where(
          and(
            eq(deliveryAuditLogs.orgId, scope.orgId),
            inArray(deliveryAuditLogs.eventType, [...COUNTED_EVENTS]),
            gte(deliveryAuditLogs.timestamp, scope.from),
            lt(deliveryAuditLogs.timestamp, scope.to),
            inZone(deliveryAuditLogs.zoneId),
          ),
        )
        .groupBy(deliveryAuditLogs.eventType),
      d1
        .select({ reason: unassignedOrders.failureReason, count: sql<number>`count(*)` })
        .from(unassignedOrders)
        .where(
          and(
            eq(unassignedOrders.orgId, scope.orgId),
            gte(unassignedOrders.firstAttemptAt, scope.from),
            lt(unassignedOrders.firstAttemptAt, scope.to),
            inZone(unassignedOrders.zoneId),
          ),
        )
        .groupBy(unassignedOrders.failureReason),
    ]),
    d1.all<{ wait: number; rank: number; n: number }>(waitsQuery(scope)),
  ]);
  const count = (type: (typeof COUNTED_EVENTS)[number]) => events.find((e) => e.type === type)?.events ?? 0;
  const byReason: Record<string, number> = zeroCounts(FailureReason.options);
  for (const { reason, count: n } of unassigned) byReason[reason] = (byReason[reason] ?? 0) + n;
  const offers = {
    created: count("offer_created"),
    accepted: count("offer_accepted"),
    rejected: count("offer_rejected"),
    expired: count("offer_expired"),
    cancelled: count("offer_cancelled"),
  };
  return {
    from: scope.from,
    to: scope.to,
    deliveries: {
      created: count("created"),
      // A delivery assigned, released and assigned again was assigned once.
      assigned: events.find((e) => e.type === "driver_assigned")?.deliveries ?? 0,
      delivered: count("delivery_completed"),
      failed: count("delivery_failed"),
      cancelled: count("delivery_cancelled"),
      unassigned: unassigned.reduce((sum, r) => sum + r.count, 0),
    },
    offers,
    acceptanceRate: acceptanceRate(offers.accepted, offers.rejected, offers.expired),
    assignmentWaitSeconds: percentiles(waits),
    unassignedByFailureReason: byReason as DispatchReport["unassignedByFailureReason"],
  };
}

/** p50, p90, p99 by nearest rank, to the millisecond; null when nothing was assigned. */
function percentiles(rows: { wait: number; rank: number; n: number }[]): DispatchReport["assignmentWaitSeconds"] {
  const at = (percent: number) => {
    const rank = nearestRank(percent, rows[0]?.n ?? 0);
    const row = rows.find((r) => r.rank === rank);
    return row ? Math.round(row.wait * 1000) / 1000 : null;
  };
  const [p50, p90, p99] = PERCENTILES.map(at);
  return { p50: p50 ?? null, p90: p90 ?? null, p99: p99 ?? null };
}
