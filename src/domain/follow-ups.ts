/*
 * What a decision's transitions leave for later. A rule changes only what it owns and notes here
 * what that change means elsewhere — a delivery to match, a driver who is free, offers nobody can
 * take up any more, a ladder or a silence check to re-arm — and settle.ts does it all, in one
 * written-down order, once the rule is done.
 */

export interface RoundOptions {
  /** Run even for a manually dispatched delivery (ops reassign, escalation). */
  force?: boolean;
  /** Make at least one round of offers even past maxOfferAttempts (escalation level 2). */
  beyondAttemptLimit?: boolean;
}

/** Every PENDING offer of one delivery, or of one driver, is to be withdrawn for `reason`. */
export interface Withdrawal {
  of: "delivery" | "driver";
  id: string;
  reason: string;
}

export class FollowUps {
  /** In the order recorded: the first reason given for an offer is the one it is withdrawn for. */
  withdrawals: Withdrawal[] = [];
  /** Deliveries whose escalation timer must be put where their ladder now stands. */
  escalations = new Set<string>();
  /** Drivers the silence check must cover. */
  liveness = new Set<string>();
  /** Deliveries that need a matching round. */
  demand = new Map<string, RoundOptions>();
  /** Drivers who became free to take a waiting delivery, in the order they did. */
  supply = new Set<string>();

  withdrawOffersOfDelivery(deliveryId: string, reason: string): void {
    this.withdrawals.push({ of: "delivery", id: deliveryId, reason });
  }

  withdrawOffersOfDriver(driverId: string, reason: string): void {
    this.withdrawals.push({ of: "driver", id: driverId, reason });
  }

  rearmEscalation(deliveryId: string): void {
    this.escalations.add(deliveryId);
  }

  watchLiveness(driverId: string): void {
    this.liveness.add(driverId);
  }

  /** A delivery to match; options asked for by any caller are kept. */
  match(deliveryId: string, options: RoundOptions = {}): void {
    const current = this.demand.get(deliveryId);
    this.demand.set(deliveryId, {
      ...(current?.force || options.force ? { force: true } : {}),
      ...(current?.beyondAttemptLimit || options.beyondAttemptLimit ? { beyondAttemptLimit: true } : {}),
    });
  }

  offerWaitingTo(driverId: string): void {
    this.supply.add(driverId);
  }

  get pending(): boolean {
    return (
      this.withdrawals.length > 0 || this.escalations.size > 0 || this.liveness.size > 0 || this.demand.size > 0 || this.supply.size > 0
    );
  }
}
