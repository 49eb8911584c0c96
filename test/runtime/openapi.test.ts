/**
 * The OpenAPI document is read off the routes: it must list every route the app registers and
 * nothing else, describe each, and show the schemas the validators use.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/worker/app";
import { routes } from "../../src/worker/routes";

const readDocument = async () => {
  const res = await exports.default.fetch(new Request("https://dispatch.test/v2/openapi.json"));
  expect(res.status).toBe(200);
  return (await res.json()) as any;
};

describe("GET /v2/openapi.json", () => {
  it("is public and lists exactly the routes the app registers, each with a summary, a success answer and the error shape", async () => {
    const doc = await readDocument();
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`));
    const registered = createApp(routes)
      .routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/v2/"))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    expect([...new Set(documented)].sort()).toEqual([...new Set(registered)].sort());
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops as Record<string, any>)) {
        const where = `${method} ${path}`;
        expect(op.summary, where).toEqual(expect.any(String));
        expect(Object.keys(op.responses).some((s) => s.startsWith("2") || s === "101"), where).toBe(true);
        if (!["/v2/health", "/v2/openapi.json", "/v2/asyncapi.json"].includes(path)) {
          expect(op.responses["401"]?.content["application/json"].schema, where).toEqual({ $ref: "#/components/schemas/Error" });
        }
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          expect(op.parameters.some((p: any) => p.in === "path" && `{${p.name}}` === name), `${where} documents ${name}`).toBe(true);
        }
      }
    }
  });

  it("shows the validators' own schemas: the delivery body, the roles, the tracking token", async () => {
    const doc = await readDocument();
    const create = doc.paths["/v2/deliveries"].post;
    const body = create.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(expect.arrayContaining(["sellerOrderId", "storeName", "pickup", "dropoff"]));
    expect(body.properties.priority).toMatchObject({ type: "integer", minimum: 1, maximum: 100, default: 50 });
    expect(body.additionalProperties).toBe(false);
    expect(create.description).toBe("Roles: service, ops, admin.");
    expect(create.responses["201"].content["application/json"].schema.required).toContain("trackingUrl");
    const tracking = doc.paths["/v2/orders/{orderId}/delivery-status"].get;
    expect(tracking.security).toEqual([{ bearer: [] }, { trackingToken: [] }]);
    expect(doc.components.securitySchemes.trackingToken).toMatchObject({ type: "apiKey", in: "query", name: "token" });
  });
});

describe("GET /v2/asyncapi.json", () => {
  it("is public and describes the three socket streams", async () => {
    const res = await exports.default.fetch(new Request("https://dispatch.test/v2/asyncapi.json"));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.asyncapi).toBe("3.0.0");
    expect(Object.values(doc.channels).map((c: any) => c.address)).toEqual(["/v2/drivers/{id}/ws", "/v2/admin/zones/{zoneId}/ws", "/v2/orders/{orderId}/ws"]);
  });
});

describe("answers checked against the document (test/helpers/answer-contract.ts)", () => {
  it("finds an answer that breaks its route's schema, and passes a real one", async () => {
    const { answerProblems } = await import("../helpers/answer-contract");
    expect(answerProblems("POST", "/v2/deliveries", 201, { id: "not-a-uuid", status: "teleported" })?.length).toBeGreaterThan(0);
    expect(answerProblems("GET", "/v2/admin/zones", 200, { zones: [{ id: 1 }] })?.length).toBeGreaterThan(0);
    expect(answerProblems("GET", "/v2/admin/zones", 200, { zones: [] })).toBeNull();
    // Error answers are checked too, against the one error shape.
    expect(answerProblems("GET", "/v2/admin/zones", 401, { message: "nope" })?.length).toBeGreaterThan(0);
  });
});
