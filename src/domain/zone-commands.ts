import type { DriverReportedStatus } from "../contracts/deliveries";
import type { CreateDriverBody, DriverProfilePatch, LocationBody, ZonePreference } from "../contracts/drivers";
import type { RejectionReason } from "../contracts/offers";
import type { ZoneSettingsPatch } from "../contracts/zones";
import { type AvailabilityOptions, changeAvailability } from "./availability-changes";
import type { AvailabilityCommand } from "./availability-machine";
import { type NewDelivery, acceptDelivery } from "./delivery-intake";
import { type RatingRequest, rateDelivery } from "./delivery-rating";
import { cancelDelivery, reassignDelivery, releaseDelivery, reportDeliveryStatus } from "./delivery-progress";
import {
  admitMovedDriver,
  departDriver,
  editDriverProfile,
  markHeardFrom,
  recordLocation,
  registerDriver,
  setZonePreferences,
} from "./driver-roster";
import { type ManualEscalation, checkEscalations, escalateManually } from "./escalation";
import type { Actor, DriverRecord, HistoryEntry, ZoneConfig } from "./model";
import { acceptOffer, offerManually, rejectOffer } from "./offer-lifecycle";
import { settle } from "./settle";
import { watchHealth } from "./health-watch";
import { fireDueTimers } from "./timers";
import { configureZone, updateZoneSettings } from "./zone-config";
import type { ZoneChanges } from "./zone-changes";
import type { ZoneState } from "./zone-state";
import { ZoneTx } from "./zone-tx";

/*
 * Every decision a zone can take, by name: the one list the zone object's RPC, the driver's
 * socket messages, the unit tests and the model simulation all run. A command is `(tx, input) =>
 * answer`; `runDecision` runs it, then settles its follow-ups (settle.ts), lets the zone look at
 * its health (health-watch.ts), and hands back the answer with everything the decision changed. Adding a command means adding it here.
 *
 * Answers are what the HTTP routes send (less their `success` envelope), so a socket ack and an
 * HTTP answer to the same command say the same.
 */

/** The answer once follow-ups have run, for answers that show what settling changed. */
function afterSettle<V>(tx: ZoneTx, read: () => V): V {
  settle(tx);
  return read();
}

/** An action of the driver itself: a sign of life first, then the rule. */
function byDriver<I extends { driverId: string }, V>(rule: (tx: ZoneTx, input: I) => V) {
  return (tx: ZoneTx, input: I): V => {
    markHeardFrom(tx, input.driverId);
    return rule(tx, input);
  };
}

export const zoneCommands = {
  configure: (tx: ZoneTx, input: { config: ZoneConfig }) => configureZone(tx, input.config),

  updateSettings: (tx: ZoneTx, input: { patch: ZoneSettingsPatch }) => updateZoneSettings(tx, input.patch),

  createDriver: (tx: ZoneTx, input: { driverId: string; profile: Omit<CreateDriverBody, "zoneId"> }) =>
    registerDriver(tx, input.driverId, input.profile),

  editDriver: (tx: ZoneTx, input: { driverId: string; patch: DriverProfilePatch }) => {
    editDriverProfile(tx, input.driverId, input.patch);
    return afterSettle(tx, () => tx.requireDriver(input.driverId));
  },

  setZonePreferences: (tx: ZoneTx, input: { driverId: string; preferences: { zoneId: string; preference: ZonePreference }[] }) => {
    setZonePreferences(tx, input.driverId, input.preferences);
    return afterSettle(tx, () => tx.requireDriver(input.driverId));
  },

  /** A sign of life with nothing else to it: a socket opened, a ping. */
  heardFrom: (tx: ZoneTx, input: { driverId: string }) => markHeardFrom(tx, input.driverId),

  recordLocation: (tx: ZoneTx, input: { driverId: string; report: LocationBody }) => {
    const { applied } = recordLocation(tx, input.driverId, input.report);
    return afterSettle(tx, () => ({ applied, driver: tx.requireDriver(input.driverId) }));
  },

  changeAvailability: (
    tx: ZoneTx,
    input: { driverId: string; command: AvailabilityCommand; actor: Actor; options?: AvailabilityOptions },
  ) => {
    changeAvailability(tx, input.driverId, input.command, input.actor, input.options);
    return afterSettle(tx, () => tx.requireDriver(input.driverId));
  },

  departDriver: (tx: ZoneTx, input: { driverId: string; toZoneId: string }) => departDriver(tx, input.driverId, input.toZoneId),

  admitDriver: (tx: ZoneTx, input: { driver: DriverRecord; history: HistoryEntry[] }) =>
    admitMovedDriver(tx, input.driver, input.history),

  createDelivery: (tx: ZoneTx, input: { delivery: NewDelivery; actor: Actor }) => {
    const { id } = acceptDelivery(tx, input.delivery, input.actor);
    return afterSettle(tx, () => tx.requireDelivery(id));
  },

  cancelDelivery: (tx: ZoneTx, input: { deliveryId: string; reason: string; actor: Actor }) => {
    cancelDelivery(tx, input.deliveryId, input.reason, input.actor);
    return afterSettle(tx, () => tx.requireDelivery(input.deliveryId));
  },

  reportDeliveryStatus: byDriver(
    (tx, input: { driverId: string; deliveryId: string; status: DriverReportedStatus; reason: string | null }) => {
      reportDeliveryStatus(tx, input.driverId, input.deliveryId, input.status, input.reason);
      return afterSettle(tx, () => tx.requireDelivery(input.deliveryId));
    },
  ),

  releaseDelivery: byDriver((tx, input: { driverId: string; deliveryId: string; reason: string }) => {
    releaseDelivery(tx, input.driverId, input.deliveryId, input.reason);
    return afterSettle(tx, () => tx.requireDelivery(input.deliveryId));
  }),

  reassignDelivery: (tx: ZoneTx, input: { deliveryId: string; driverId?: string; actor: Actor }) => {
    reassignDelivery(tx, input.deliveryId, input.driverId, input.actor);
    return afterSettle(tx, () => tx.requireDelivery(input.deliveryId));
  },

  createOffer: (tx: ZoneTx, input: { deliveryId: string; driverId: string; expiresInSeconds?: number; actor: Actor }) =>
    offerManually(tx, input.deliveryId, input.driverId, input.expiresInSeconds, input.actor),

  acceptOffer: byDriver((tx, input: { driverId: string; offerId: string; acceptedAt?: string }) => {
    const { assignment, responseTimeMs } = acceptOffer(tx, input.driverId, input.offerId, input.acceptedAt);
    return { assignmentId: assignment.id, deliveryId: assignment.deliveryId, driverId: input.driverId, responseTimeMs };
  }),

  rejectOffer: byDriver((tx, input: { driverId: string; offerId: string; reason?: RejectionReason }) => {
    const reason = input.reason ?? "other";
    const { deliveryId } = rejectOffer(tx, input.driverId, input.offerId, reason);
    // The next candidate is part of the answer, so it is matched before answering.
    const next = afterSettle(tx, () => tx.offersMadeFor(deliveryId)[0]);
    return { ...(next ? { nextOfferId: next.id } : {}), reason };
  }),

  /** The customer's rating, by tracking token: decided here so it is serialised with the delivery's other changes. */
  rateDelivery: (tx: ZoneTx, input: RatingRequest) => rateDelivery(tx, input),

  checkEscalations: (tx: ZoneTx, _input: Record<string, never>) => checkEscalations(tx),

  escalate: (tx: ZoneTx, input: { request: ManualEscalation; actor: Actor }) => escalateManually(tx, input.request, input.actor),

  /** The alarm: every timer due now; the zone's health is looked at too (waits grow with time alone). */
  fireDueTimers: (tx: ZoneTx, _input: Record<string, never>) => {
    tx.healthAsked = true;
    return fireDueTimers(tx);
  },
};

type Commands = typeof zoneCommands;
export type CommandName = keyof Commands;
export type CommandInput<N extends CommandName> = Parameters<Commands[N]>[1];
export type CommandValue<N extends CommandName> = ReturnType<Commands[N]>;

/** What a decision needs from its host besides state and time. */
export interface DecisionContext {
  newId?: () => string;
  /** Whether a driver has a socket open right now (presence counts as being heard from). */
  connected?: (driverId: string) => boolean;
}

export interface Decision<V> {
  value: V;
  changes: ZoneChanges;
}

/**
 * Runs one command over the zone at `now` and settles it. Nothing is applied to `state`: the
 * host commits `changes` and then applies them. A refusal (DomainError) is thrown before any
 * change leaves this function.
 */
export function runDecision<N extends CommandName>(
  state: ZoneState,
  name: N,
  input: CommandInput<N>,
  now: number,
  context: DecisionContext = {},
): Decision<CommandValue<N>> {
  const tx = new ZoneTx(state, now, context.newId, context.connected);
  const command = zoneCommands[name] as (tx: ZoneTx, input: CommandInput<N>) => CommandValue<N>;
  const value = command(tx, input);
  settle(tx);
  watchHealth(tx, tx.healthAsked);
  return { value, changes: tx.changes };
}
