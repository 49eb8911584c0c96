/**
 * The zone's socket streams. Every event is addressed to one or more of these; a socket is
 * tagged with exactly one, and replay numbers events per key.
 */
export const audience = {
  driver: (driverId: string) => `driver:${driverId}`,
  ops: "ops",
  customer: (deliveryId: string) => `customer:${deliveryId}`,
} as const;
