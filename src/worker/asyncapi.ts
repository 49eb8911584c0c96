import { z } from "zod";
import { DriverMessage, ZoneEvent } from "../contracts/events";

/*
 * The AsyncAPI 3.0 document of the three socket streams, from the zod schemas every event is
 * checked against before it is sent (contracts/events.ts) and that every driver message is parsed
 * with. Which stream carries which event is the zone's audience rule (src/domain/audiences.ts).
 */

const STREAM_EVENTS = {
  driver: ["offer_created", "offer_accepted", "offer_rejected", "offer_expired", "offer_cancelled", "availability_changed", "break_expired"],
  customer: ["delivery_status_changed", "delivery_location_updated", "delivery_eta_updated"],
  ops: ZoneEvent.options.map((event) => event.shape.type.value),
} as const;

type JsonSchema = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as JsonSchema;
  return rest;
};

/**
 * Events a new socket gets once when it connects, before any live one: they carry no `seq` then
 * (they are not part of the replayable stream), only an `eventId`.
 */
const GREETINGS: ReadonlySet<string> = new Set(["zone_health_updated"]);

/** Every event carries its stream's sequence number and a unique id, added when it is sent. */
const withEnvelope = (schema: JsonSchema, type: string): JsonSchema => ({
  ...schema,
  properties: {
    ...(schema.properties as object),
    seq: {
      type: "integer",
      minimum: 1,
      ...(GREETINGS.has(type) ? { description: "Absent on the copy a socket gets once when it connects (the zone's current figures)." } : {}),
    },
    eventId: { type: "string", format: "uuid" },
  },
  required: [...((schema.required as string[]) ?? []), ...(GREETINGS.has(type) ? [] : ["seq"]), "eventId"],
});

const Reply = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ack"), for: z.string(), ok: z.boolean(), id: z.string().optional(), error: z.string().optional() }).loose(),
  z.object({ type: z.literal("error"), id: z.string().optional(), message: z.string() }),
  z.object({ type: z.literal("pong"), id: z.string().optional() }),
]);

const messageName = (type: string) => type.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

export function asyncApiDocument() {
  const messages: Record<string, object> = {};
  for (const event of ZoneEvent.options) {
    const type = event.shape.type.value;
    messages[messageName(type)] = { name: type, payload: withEnvelope(jsonSchema(event), type) };
  }
  for (const message of DriverMessage.options) {
    const type = message.shape.type.value;
    messages[`${messageName(type)}Message`] = { name: type, payload: jsonSchema(message) };
  }
  for (const reply of Reply.options) messages[`${reply.shape.type.value}Reply`] = { name: reply.shape.type.value, payload: jsonSchema(reply) };

  const refs = (names: readonly string[]) => names.map((name) => ({ $ref: `#/components/messages/${name}` }));
  const eventRefs = (types: readonly string[]) => refs(types.map(messageName));
  const channel = (address: string, description: string, types: readonly string[], extra: string[] = []) => ({
    address,
    description,
    parameters: Object.fromEntries([...address.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name, { description: `The ${name}.` }])),
    messages: Object.fromEntries([...eventRefs(types), ...refs(extra)].map((ref) => [ref.$ref.split("/").pop(), ref])),
  });
  const driverIn = DriverMessage.options.map((m) => `${messageName(m.shape.type.value)}Message`);
  const replies = Reply.options.map((r) => `${r.shape.type.value}Reply`);
  const channels = {
    driver: channel("/v2/drivers/{id}/ws", "A driver's own stream; the only socket that may send messages.", STREAM_EVENTS.driver, [...driverIn, ...replies]),
    ops: channel("/v2/admin/zones/{zoneId}/ws", "Every offer, availability and delivery event of one zone (ops, admin).", STREAM_EVENTS.ops),
    customer: channel("/v2/orders/{orderId}/ws", "One delivery's progress, position and ETA (tracking token).", STREAM_EVENTS.customer),
  };
  const sendOp = (name: keyof typeof channels, types: readonly string[]) => ({
    action: "send",
    channel: { $ref: `#/channels/${name}` },
    messages: eventRefs(types).map((ref) => ({ $ref: `#/channels/${name}/messages/${ref.$ref.split("/").pop()}` })),
  });
  return {
    asyncapi: "3.0.0",
    info: {
      title: "Dispatch v2 sockets",
      version: "2.0.0",
      description: "Connect with `?since=<last seq>` to get what was missed, once. Guide: docs/api.md in the repository.",
    },
    servers: { dispatch: { host: "localhost:8787", protocol: "ws", description: "The service's own origin (wss in production)." } },
    channels,
    operations: {
      driverEvents: sendOp("driver", STREAM_EVENTS.driver),
      driverMessages: {
        action: "receive",
        channel: { $ref: "#/channels/driver" },
        messages: driverIn.map((name) => ({ $ref: `#/channels/driver/messages/${name}` })),
        reply: { channel: { $ref: "#/channels/driver" }, messages: replies.map((name) => ({ $ref: `#/channels/driver/messages/${name}` })) },
      },
      opsEvents: sendOp("ops", STREAM_EVENTS.ops),
      customerEvents: sendOp("customer", STREAM_EVENTS.customer),
    },
    components: { messages },
  };
}
