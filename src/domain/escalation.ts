import type { EscalateBody } from "../contracts/escalation";
import { audience } from "./audiences";
import { conflict, notFound } from "./errors";
import { TOP_LEVEL, levelReached, levelsToFire, nextLevelAt } from "./escalation-ladder";
import { matchRequest } from "./match-request";
import { type MatchFailure, explainNoCandidates, rankCandidates } from "./matching";
import { type Actor, type DeliveryRecord, type JsonObject, SYSTEM, type UnassignedRecord } from "./model";
import { openUnassignedRecord } from "./unassigned-records";
import type { ZoneTx } from "./zone-tx";

/*
 * The unassigned-order ladder in the zone (docs/api-notes.md "Escalation and ops"): while a delivery is
 * `ready`, one `escalation` timer stands at the time its next level is due. Level 1 opens a
 * support ticket and notifies ops, level 2 runs one matching round at the widened radius, level 3
 * is the critical notice. A level is fired only from the record's current level upwards, inside
 * the zone's one-at-a-time decisions, so each level happens once whoever asks twice.
 */

/** Who made a level fire: the zone's alarm, the check endpoint, or an operator. */
export type EscalationTrigger = "ladder" | "check" | "manual";

interface LevelCause {
  trigger: EscalationTrigger;
  actor: Actor;
  /** The operator's reason and notes (manual escalation). */
  manual?: { reason: string; notes?: string };
}

/** Puts the delivery's escalation timer at its next level, or removes it when none is left (settle.ts). */
export function armEscalation(tx: ZoneTx, deliveryId: string): void {
  const delivery = tx.delivery(deliveryId);
  const due =
    delivery?.status === "ready"
      ? nextLevelAt(Date.parse(delivery.createdAt), tx.zone.settings.escalationSeconds, levelOf(delivery))
      : null;
  if (due === null) tx.clearTimer("escalation", deliveryId);
  else tx.setTimer("escalation", deliveryId, due);
}

function levelOf(delivery: DeliveryRecord): number {
  return delivery.unassigned?.escalationLevel ?? 0;
}

/** Fires every level the delivery has reached and not yet had; answers how many fired. */
export function escalateIfDue(tx: ZoneTx, deliveryId: string, trigger: EscalationTrigger): number {
  const delivery = tx.delivery(deliveryId);
  if (delivery?.status !== "ready") {
    tx.clearTimer("escalation", deliveryId);
    return 0;
  }
  const reached = levelReached(Date.parse(delivery.createdAt), tx.zone.settings.escalationSeconds, tx.now);
  const levels = levelsToFire(levelOf(delivery), reached);
  for (const level of levels) fireLevel(tx, deliveryId, level, { trigger, actor: SYSTEM });
  tx.follow.rearmEscalation(deliveryId);
  return levels.length;
}

/** The check endpoint: the ladder run now for every waiting delivery of the zone. */
export function checkEscalations(tx: ZoneTx): { checked: number; escalated: number } {
  const ready = [...tx.state.deliveries.values()].filter((d) => d.status === "ready").map((d) => d.id);
  let escalated = 0;
  for (const id of ready) if (escalateIfDue(tx, id, "check") > 0) escalated++;
  return { checked: ready.length, escalated };
}

/** The operator's request (POST /v2/admin/unassigned-orders/:id/escalate) and the record it names. */
export type ManualEscalation = EscalateBody & { recordId: string; deliveryId: string };

/**
 * An operator raises a waiting delivery to `level` now: every level between the current one and
 * it fires in order (a jump to 3 still opens the ticket and runs the widened round), and the
 * ladder goes on from there.
 */
export function escalateManually(tx: ZoneTx, request: ManualEscalation, actor: Actor) {
  const delivery = tx.delivery(request.deliveryId);
  if (!delivery?.unassigned || delivery.unassigned.id !== request.recordId) throw notFound("Unassigned order not found");
  if (delivery.status !== "ready") throw conflict(`Delivery is ${delivery.status}; only a waiting delivery can be escalated`);
  const current = levelOf(delivery);
  if (request.level <= current || request.level > TOP_LEVEL) {
    throw conflict(`Escalation level ${request.level} is not above the current level ${current}`);
  }
  const manual = { reason: request.reason, ...(request.notes === undefined ? {} : { notes: request.notes }) };
  for (const level of levelsToFire(current, request.level)) fireLevel(tx, delivery.id, level, { trigger: "manual", actor, manual });
  tx.follow.rearmEscalation(delivery.id);
  const record = tx.requireDelivery(delivery.id).unassigned as UnassignedRecord;
  return {
    success: true as const,
    escalatedAt: tx.nowIso,
    newEscalationLevel: record.escalationLevel,
    ...(record.supportTicketId ? { supportTicketId: record.supportTicketId } : {}),
  };
}

function fireLevel(tx: ZoneTx, deliveryId: string, level: number, cause: LevelCause): void {
  raiseRecord(tx, deliveryId, level);
  if (level === 1) openTicket(tx, deliveryId, cause);
  const delivery = tx.requireDelivery(deliveryId);
  const record = delivery.unassigned as UnassignedRecord;
  const details: JsonObject = {
    level,
    reason: record.failureReason,
    trigger: cause.trigger,
    waitedSeconds: waitedSeconds(tx, delivery),
    ...(level === 1 ? { ticketId: record.supportTicketId } : {}),
    ...(level === 2 ? { radiusKm: tx.zone.settings.widenedRadiusKm } : {}),
    ...(cause.manual ? { manualReason: cause.manual.reason, ...(cause.manual.notes ? { notes: cause.manual.notes } : {}) } : {}),
  };
  tx.audit(deliveryId, level === TOP_LEVEL ? "escalation_critical" : "escalation_triggered", details, cause.actor);
  const event = {
    type: "unassigned_order_escalated" as const,
    deliveryId,
    sellerOrderId: delivery.sellerOrderId,
    level,
    reason: record.failureReason,
    escalatedAt: tx.nowIso,
    ...(record.supportTicketId ? { supportTicketId: record.supportTicketId } : {}),
  };
  tx.emit([audience.ops], event);
  tx.notifyOps({ type: event.type, severity: level === TOP_LEVEL ? "critical" : "warning", data: event });
  if (level === 2) tx.follow.match(deliveryId, { force: true, beyondAttemptLimit: true });
}

/** Puts the record at `level`, created first if matching never wrote one (manual dispatch, offers out). */
function raiseRecord(tx: ZoneTx, deliveryId: string, level: number): void {
  const delivery = tx.requireDelivery(deliveryId);
  const current = delivery.unassigned ?? openUnassignedRecord(tx, delivery, whyStillWaiting(tx, delivery));
  const raised: UnassignedRecord = {
    ...current,
    escalationLevel: level,
    escalationStatus: "NOTIFIED",
    notificationSentAt: tx.nowIso,
    updatedAt: tx.nowIso,
  };
  tx.putDelivery({ ...tx.requireDelivery(deliveryId), unassigned: raised });
}

/**
 * Why a delivery that matching never gave up on is still waiting: the matching explanation when
 * no driver could be offered it now; otherwise drivers could take it but none has.
 */
function whyStillWaiting(tx: ZoneTx, delivery: DeliveryRecord): MatchFailure {
  const request = matchRequest(tx, delivery);
  return rankCandidates(tx, request).length === 0 ? explainNoCandidates(tx, request) : "no_available_drivers";
}

function waitedSeconds(tx: ZoneTx, delivery: DeliveryRecord): number {
  return Math.floor((tx.now - Date.parse(delivery.createdAt)) / 1000);
}

/** "5+ minutes" (or "40+ seconds" when thresholds are set that low). */
function waitedText(seconds: number): string {
  return seconds >= 60 ? `${Math.floor(seconds / 60)}+ minutes` : `${seconds}+ seconds`;
}

function openTicket(tx: ZoneTx, deliveryId: string, cause: LevelCause): void {
  const delivery = tx.requireDelivery(deliveryId);
  const unassigned = delivery.unassigned as UnassignedRecord;
  const ticket = tx.openTicket({
    id: tx.newId(),
    orgId: delivery.orgId,
    zoneId: delivery.zoneId,
    deliveryId,
    sellerOrderId: delivery.sellerOrderId,
    priority: "high",
    title: `Order ${delivery.sellerOrderId} unassigned for ${waitedText(waitedSeconds(tx, delivery))}`,
    description:
      `Delivery ${delivery.id} (order ${delivery.sellerOrderId}, ${delivery.storeName}) in zone ${tx.zone.name} has been ` +
      `waiting for a driver since ${delivery.createdAt}; last matching result: ${unassigned.failureReason}.` +
      (cause.manual ? ` Escalated by ops: ${cause.manual.reason}` : ""),
    status: "OPEN",
    createdAt: tx.nowIso,
    resolvedAt: null,
    resolvedBy: null,
    resolution: null,
  });
  tx.putDelivery({ ...delivery, unassigned: { ...unassigned, supportTicketId: ticket.id } });
  const event = {
    type: "support_ticket_created" as const,
    ticketId: ticket.id,
    deliveryId,
    sellerOrderId: ticket.sellerOrderId,
    priority: ticket.priority,
    title: ticket.title,
    description: ticket.description,
    createdAt: ticket.createdAt,
  };
  tx.emit([audience.ops], event);
  tx.notifyOps({ type: event.type, severity: "warning", data: event });
}
