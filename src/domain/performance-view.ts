import type { DriverPerformanceView, PerformancePeriod } from "../contracts/performance";
import { audience } from "./audiences";
import {
  ALL_TIME,
  type PerformanceTotals,
  type TimeRange,
  combineTotals,
  deliveryTotals,
  offerTotals,
  performanceMetrics,
} from "./driver-performance";
import { iso } from "./model";
import { type Period, dayAround, weekAround } from "./zoned-periods";
import type { ZoneTx } from "./zone-tx";

const asRange = (period: Period): TimeRange => ({ from: iso(period.from), to: iso(period.to) });

/**
 * A driver's totals as this decision sees them: storage's sums (the archive) with every record
 * this decision changed swapped in, its stored version's share taken out and the new one's put
 * in. So an event built mid-decision already counts the delivery that decision ended.
 */
function totalsAsDecided(tx: ZoneTx, driverId: string, range: TimeRange): PerformanceTotals {
  const { archive } = tx.state;
  let totals = archive.performanceTotals(driverId, range);
  for (const offer of tx.changes.offers.values()) {
    if (offer.driverId !== driverId) continue;
    const stored = archive.offer(offer.id);
    if (stored) totals = combineTotals(totals, offerTotals(stored, range), -1);
    totals = combineTotals(totals, offerTotals(offer, range));
  }
  for (const delivery of tx.changes.deliveries.values()) {
    const stored = archive.delivery(delivery.id);
    if (stored) totals = combineTotals(totals, deliveryTotals(stored, driverId, range), -1);
    totals = combineTotals(totals, deliveryTotals(delivery, driverId, range));
  }
  return totals;
}

/** GET /v2/drivers/:id/performance: the figures of one period in the zone's time zone. */
export function driverPerformance(tx: ZoneTx, driverId: string, period: PerformancePeriod): DriverPerformanceView {
  const driver = tx.requireDriver(driverId);
  const { timezone, settings } = tx.zone;
  const bounds =
    period === "day"
      ? asRange(dayAround(tx.now, timezone))
      : period === "week"
        ? asRange(weekAround(tx.now, timezone))
        : { from: driver.createdAt, to: tx.nowIso };
  const totals = totalsAsDecided(tx, driverId, period === "all" ? ALL_TIME : bounds);
  return {
    driverId,
    driverName: driver.name,
    period,
    from: bounds.from,
    to: bounds.to,
    metrics: performanceMetrics(totals),
    currency: settings.currency,
  };
}

/** Tells the driver and the zone's ops the driver's all-time figures (a delivery of theirs ended, or was rated). */
export function announcePerformance(tx: ZoneTx, driverId: string): void {
  const driver = tx.driver(driverId);
  if (!driver) return;
  const { metrics } = driverPerformance(tx, driverId, "all");
  tx.emit([audience.driver(driverId), audience.ops], {
    type: "driver_performance_updated",
    driverId,
    driverName: driver.name,
    metrics,
    updatedAt: tx.nowIso,
  });
}
