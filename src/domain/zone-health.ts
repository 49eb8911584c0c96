import type { ZoneHealth } from "../contracts/board";
import { Availability as AvailabilityEnum } from "../contracts/statuses";
import { zeroCounts } from "./counts";
import { isUnderWay } from "./delivery-status";
import { LEVEL_KEYS } from "./escalation-ladder";
import type { ZoneState } from "./zone-state";

/** The counts' shape is the API's (contracts/board.ts `ZoneHealth`). */
export type ZoneLiveCounts = ZoneHealth;

/** Live counts shown with a zone; "online" means able to take or working on a job. */
export function zoneLiveCounts(state: ZoneState): ZoneLiveCounts {
  const driversByAvailability = zeroCounts(AvailabilityEnum.options);
  for (const driver of state.drivers.values()) driversByAvailability[driver.availability]++;
  let pendingDeliveries = 0;
  let activeDeliveries = 0;
  const unassignedByLevel = zeroCounts(LEVEL_KEYS);
  for (const delivery of state.deliveries.values()) {
    if (delivery.status === "ready") {
      pendingDeliveries++;
      const level = delivery.unassigned && String(delivery.unassigned.escalationLevel);
      if (level) unassignedByLevel[level] = (unassignedByLevel[level] ?? 0) + 1;
    } else if (isUnderWay(delivery.status)) activeDeliveries++;
  }
  return {
    driversByAvailability,
    driversOnline: driversByAvailability.available + driversByAvailability.busy,
    pendingDeliveries,
    activeDeliveries,
    pendingOffers: state.offers.size,
    unassignedByLevel,
  };
}
