// The generated OpenAPI document is valid OpenAPI 3.1, checked by a maintained validator.
import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../src/worker/openapi";
import { routes } from "../../src/worker/routes";

describe("the OpenAPI document", () => {
  it("validates as OpenAPI 3.1 (schemas, references, parameters)", async () => {
    const doc = openApiDocument(routes);
    const checked = await SwaggerParser.validate(structuredClone(doc) as never);
    expect((checked as { openapi: string }).openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).length).toBeGreaterThan(35);
  });

  it("the validator is not a rubber stamp: a broken copy is refused", async () => {
    const broken = structuredClone(openApiDocument(routes)) as any;
    broken.paths["/v2/deliveries"].post.responses = "none";
    await expect(SwaggerParser.validate(broken)).rejects.toThrow();
  });
});

describe("docs/api.md", () => {
  it("lists every route of the OpenAPI document, and no route the service does not have", async () => {
    const { readFileSync } = await import("node:fs");
    const guide = readFileSync(new URL("../../docs/api.md", import.meta.url), "utf8");
    const listed = [...guide.matchAll(/^\| [^|]+ \| `(GET|POST|PUT|PATCH|DELETE) (\/v2\/[^`]*)` \|/gm)].map(([, m, p]) => `${m} ${p}`);
    const doc = openApiDocument(routes);
    const served = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    expect(listed.sort()).toEqual(served.sort());
  });
});

describe("the reference's examples", () => {
  it("every request example is accepted by its route's own body schema, and the main routes have one", async () => {
    const { routeSpecs } = await import("../../src/worker/openapi");
    const withExamples = [...routeSpecs(routes).values()].filter(({ spec }) => spec.example !== undefined);
    expect(withExamples.map(({ method, path }) => `${method} ${path}`)).toEqual(
      expect.arrayContaining(["POST /v2/admin/zones", "POST /v2/admin/drivers", "POST /v2/deliveries", "POST /v2/deliveries/{id}/offers"]),
    );
    for (const { method, path, spec } of withExamples) {
      const parsed = spec.body!.safeParse(spec.example);
      expect(parsed.success, `${method} ${path}: ${parsed.error?.message}`).toBe(true);
    }
    const doc = openApiDocument(routes) as any;
    expect(doc.paths["/v2/deliveries"].post.requestBody.content["application/json"].example.sellerOrderId).toBe("order-1001");
    expect(doc.components.schemas.Error.example.statusCode).toBe(400);
  });
});
