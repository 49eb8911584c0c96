import type { DriverMessage } from "../contracts/events";
import type { CommandInput, CommandName } from "./zone-commands";

/** A command by name with its input, as one value (any command of the registry). */
export type CommandCall = { [N in CommandName]: { name: N; input: CommandInput<N> } }[CommandName];

/**
 * The command a driver's socket message runs: the same one, with the same input, as the HTTP
 * route for it, so both answer alike. A ping is only a sign of life.
 */
export function commandForMessage(message: DriverMessage, driverId: string): CommandCall {
  switch (message.type) {
    case "ping":
      return { name: "heardFrom", input: { driverId } };
    case "location": {
      const { type: _type, id: _id, ...report } = message;
      return { name: "recordLocation", input: { driverId, report } };
    }
    case "accept_offer":
      return {
        name: "acceptOffer",
        input: { driverId, offerId: message.offerId, ...(message.acceptedAt ? { acceptedAt: message.acceptedAt } : {}) },
      };
    case "reject_offer":
      return { name: "rejectOffer", input: { driverId, offerId: message.offerId, ...(message.reason ? { reason: message.reason } : {}) } };
    case "delivery_status":
      return {
        name: "reportDeliveryStatus",
        input: { driverId, deliveryId: message.deliveryId, status: message.status, reason: message.reason ?? null },
      };
  }
}
