import type { Availability } from "../contracts/statuses";
import { Availability as AvailabilityEnum } from "../contracts/statuses";
import { isTerminalDelivery } from "./delivery-status";
import type { ZoneState } from "./zone-state";

export interface ZoneLiveCounts {
  driversByAvailability: Record<Availability, number>;
  driversOnline: number;
  pendingDeliveries: number;
  activeDeliveries: number;
}

/** Live counts shown with a zone; "online" means able to take or working on a job. */
export function zoneLiveCounts(state: ZoneState): ZoneLiveCounts {
  const driversByAvailability = Object.fromEntries(AvailabilityEnum.options.map((a) => [a, 0])) as Record<
    Availability,
    number
  >;
  for (const driver of state.drivers.values()) driversByAvailability[driver.availability]++;
  let pendingDeliveries = 0;
  let activeDeliveries = 0;
  for (const delivery of state.deliveries.values()) {
    if (delivery.status === "ready") pendingDeliveries++;
    else if (!isTerminalDelivery(delivery.status)) activeDeliveries++;
  }
  return {
    driversByAvailability,
    driversOnline: driversByAvailability.available + driversByAvailability.busy,
    pendingDeliveries,
    activeDeliveries,
  };
}
