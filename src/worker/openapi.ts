import type { Hono } from "hono";
import { z } from "zod";
import { ErrorBody } from "../contracts/errors";
import type { AppEnv } from "./app-env";
import { type RouteSpec, specOf } from "./route-spec";

/*
 * The OpenAPI 3.1 document of the /v2 API, read off the routes: each route's validators give its
 * parameters and body, its role gate the roles, `describe` the summary and success answers. The
 * schemas are the zod schemas that validate requests, as JSON Schema (zod's own output).
 */

type JsonSchema = Record<string, unknown>;

/** The request side of a schema (defaults optional, coercions as their input), never throwing. */
const requestSchema = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
const answerSchema = (schema: z.ZodType): JsonSchema => z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as JsonSchema;

const withoutMeta = ({ $schema: _schema, ...rest }: JsonSchema): JsonSchema => rest;

/** Every route of `routes` with what its handlers say about it, by method and OpenAPI path. */
export function routeSpecs(routes: Hono<AppEnv>, basePath = "/v2"): Map<string, { method: string; path: string; spec: RouteSpec }> {
  const found = new Map<string, { method: string; path: string; spec: RouteSpec }>();
  for (const route of routes.routes) {
    if (route.method === "ALL") continue;
    const path = `${basePath}${route.path}`.replace(/:(\w+)/g, "{$1}");
    const key = `${route.method} ${path}`;
    const entry = found.get(key) ?? { method: route.method, path, spec: {} };
    entry.spec = { ...entry.spec, ...specOf(route.handler) };
    found.set(key, entry);
  }
  return found;
}

function parameters(spec: RouteSpec) {
  const list: object[] = [];
  for (const [where, schema] of [["path", spec.params], ["query", spec.query]] as const) {
    if (!schema) continue;
    const json = requestSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      list.push({ name, in: where, required: where === "path" || (json.required ?? []).includes(name), schema: property });
    }
  }
  if (spec.trackingToken && !list.some((p) => (p as { name: string }).name === "token")) {
    list.push({ name: "token", in: "query", required: false, schema: { type: "string" }, description: "The customer's tracking token." });
  }
  return list;
}

const ERRORS: Record<number, string> = {
  400: "The request is malformed (details name each field)",
  401: "No valid credentials",
  403: "The caller's role may not do this",
  404: "Not found in the caller's organization",
  409: "The resource is not in a state that allows this",
  413: "The body is over 64 KiB",
  415: "The body is not JSON",
  422: "The request is well formed but cannot be carried out",
  429: "Rate limited (Retry-After says when to try again)",
};

/** An answer's content: its JSON schema, a string of its own media type, or none. */
function answerContent(answer: NonNullable<RouteSpec["answers"]>[number]) {
  if (answer.mediaType) return { content: { [answer.mediaType]: { schema: { type: "string" } } } };
  return answer.schema ? { content: { "application/json": { schema: withoutMeta(answerSchema(answer.schema)) } } } : {};
}

function operation(method: string, spec: RouteSpec) {
  const answers = spec.answers ?? {};
  const responses: Record<string, object> = {};
  for (const [status, answer] of Object.entries(answers)) {
    responses[status] = { description: answer.description, ...answerContent(answer) };
  }
  for (const [status, description] of Object.entries(ERRORS)) {
    if (status === "413" || status === "415") if (!spec.body) continue;
    responses[status] ??= { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
  }
  const roles = spec.roles ? `Roles: ${spec.roles.join(", ")}${spec.self ? ` (a driver only for its own :${spec.self})` : ""}.` : "";
  return {
    summary: spec.summary,
    ...(roles ? { description: roles } : {}),
    ...(spec.tag ? { tags: [spec.tag] } : {}),
    parameters: parameters(spec),
    ...(spec.body && method !== "GET"
      ? {
          requestBody: {
            required: false,
            content: {
              "application/json": {
                schema: withoutMeta(requestSchema(spec.body)),
                ...(spec.example === undefined ? {} : { example: spec.example }),
              },
            },
          },
        }
      : {}),
    responses,
    security: spec.trackingToken ? [{ bearer: [] }, { trackingToken: [] }] : [{ bearer: [] }],
  };
}

const ERROR_EXAMPLE = {
  statusCode: 400,
  timestamp: "2026-12-01T10:00:00.000Z",
  path: "/v2/deliveries",
  error: "Bad Request",
  message: "Validation failed: body.pickup.lat: Too big: expected number to be <=90",
  details: [{ path: "body.pickup.lat", message: "Too big: expected number to be <=90" }],
};

/** The whole document; health and this document are served before authentication, so they are listed on their own. */
export function openApiDocument(routes: Hono<AppEnv>) {
  const paths: Record<string, Record<string, object>> = {
    "/v2/health": {
      get: { summary: "Liveness", security: [], responses: { "200": { description: "The service answers" } } },
    },
    "/v2/openapi.json": {
      get: { summary: "This document", security: [], responses: { "200": { description: "OpenAPI 3.1" } } },
    },
    "/v2/asyncapi.json": {
      get: { summary: "The sockets' AsyncAPI 3.0 document", security: [], responses: { "200": { description: "AsyncAPI 3.0" } } },
    },
  };
  for (const { method, path, spec } of routeSpecs(routes).values()) {
    (paths[path] ??= {})[method.toLowerCase()] = operation(method, spec);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Dispatch v2",
      version: "2.0.0",
      description: "Last-mile delivery dispatch: zones, drivers, deliveries, offers, tracking and escalation. Guide: docs/api.md in the repository.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "HS256 JWT with sub, role and org claims." },
        trackingToken: { type: "apiKey", in: "query", name: "token", description: "A delivery's tracking token (customer reads only)." },
      },
      schemas: { Error: { ...withoutMeta(answerSchema(ErrorBody)), example: ERROR_EXAMPLE } },
    },
    paths,
  };
}
