// The sockets' AsyncAPI document: valid AsyncAPI 3.0 (the reference parser, which refuses a
// broken copy), with every event and every driver message of the zod contracts.
import { Parser } from "@asyncapi/parser";
import { describe, expect, it } from "vitest";
import { DriverMessage, ZoneEvent } from "../../src/contracts/events";
import { asyncApiDocument } from "../../src/worker/asyncapi";

const parser = new Parser();
const errorsOf = async (doc: unknown) =>
  (await parser.validate(JSON.stringify(doc))).filter((diagnostic) => diagnostic.severity === 0).map((d) => `${d.path.join(".")}: ${d.message}`);

describe("the AsyncAPI document", () => {
  it("validates as AsyncAPI 3.0", async () => {
    expect(await errorsOf(asyncApiDocument())).toEqual([]);
  });

  it("refuses a broken copy (the parser is live)", async () => {
    const broken = structuredClone(asyncApiDocument()) as any;
    broken.operations.opsEvents.action = "shout";
    expect((await errorsOf(broken)).length).toBeGreaterThan(0);
  });

  it("carries every server event on the ops stream and every driver message on the driver's", () => {
    const doc = asyncApiDocument();
    const names = (channel: { messages: object }) => Object.keys(channel.messages);
    const eventNames = ZoneEvent.options.map((e) => e.shape.type.value);
    const payloadTypes = (channel: { messages: Record<string, { $ref: string }> }) =>
      Object.values(channel.messages).map((ref) => (doc.components.messages[ref.$ref.split("/").pop()!] as { name: string }).name);
    expect(payloadTypes(doc.channels.ops as never).sort()).toEqual([...eventNames].sort());
    expect(payloadTypes(doc.channels.driver as never)).toEqual(expect.arrayContaining(DriverMessage.options.map((m) => m.shape.type.value)));
    expect(names(doc.channels.customer)).toEqual(["deliveryStatusChanged", "deliveryLocationUpdated", "deliveryEtaUpdated"]);
  });
});
