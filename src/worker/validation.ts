import type { Context, MiddlewareHandler } from "hono";
import { validator } from "hono/validator";
import type { z } from "zod";
import type { ErrorDetail } from "../contracts/errors";
import { badRequest, payloadTooLarge, unsupportedMediaType } from "./http-error";
import { withSpec } from "./route-spec";

/*
 * Typed request validators. Handlers read the parsed values with `c.req.valid("json" | "param" |
 * "query")`, typed as the schema's output. Schemas should be `z.strictObject` so unknown fields
 * are a 400 (docs/api.md), never silently dropped. Path and query values arrive as strings: use
 * `z.coerce.number()` (or similar) where a number is expected, e.g.
 *   query(z.strictObject({ limit: z.coerce.number().int().min(1).max(100).optional() }))
 * Put these before `allow`/`selfOr` in a route so 400 beats 403.
 */

/** docs/api.md: a body over 64 KiB is a 413. */
const MAX_BODY_BYTES = 65_536;

type Target = "body" | "params" | "query";

/** One detail per problem; an unknown key gets its own path so clients see which field to drop. */
function detailsOf(error: z.ZodError, target: Target): ErrorDetail[] {
  const at = (path: readonly PropertyKey[]) => [target, ...path.map(String)].join(".");
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: at([...issue.path, key]), message: "unknown field" }))
      : [{ path: at(issue.path), message: issue.message }],
  );
}

/** Parses `value` with `schema`, or throws the contract's 400 with a detail per problem. */
export function check<S extends z.ZodType>(schema: S, value: unknown, target: Target): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = detailsOf(result.error, target);
  const first = details[0];
  throw badRequest(`Validation failed: ${first ? `${first.path}: ${first.message}` : target}`, details);
}

const tooLarge = () => payloadTooLarge(`Request body exceeds ${MAX_BODY_BYTES} bytes`);

/**
 * Reads a body as a stream and stops at the first byte over the limit, so neither a huge nor a
 * trickled upload is held whole (a declared `Content-Length` over the limit is refused unread).
 */
async function readCapped(request: Request): Promise<Uint8Array> {
  if (Number(request.headers.get("Content-Length")) > MAX_BODY_BYTES) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/**
 * The raw request body, at most MAX_BODY_BYTES (else 413). Kept in Hono's body cache, so the
 * idempotency fingerprint, the validators and any `c.req.json()` share one capped read.
 */
export async function rawBody(c: Context): Promise<Uint8Array> {
  // At run time Hono keeps each read's promise under the Body method's name (its type says method).
  const cache = c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> };
  cache.arrayBuffer ??= readCapped(c.req.raw).then((bytes) => bytes.buffer as ArrayBuffer);
  return new Uint8Array(await cache.arrayBuffer);
}

const isJsonMediaType = (contentType: string | undefined) =>
  contentType?.split(";")[0]?.trim().toLowerCase() === "application/json";

/** An empty body is `{}` (docs/api.md: an empty POST needs no Content-Type); anything else must be JSON. */
async function jsonBody(c: Context): Promise<unknown> {
  const bytes = await rawBody(c);
  if (bytes.byteLength === 0) return {};
  if (!isJsonMediaType(c.req.header("Content-Type"))) {
    throw unsupportedMediaType("Content-Type must be application/json");
  }
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw badRequest("Validation failed: body is not valid JSON", [{ path: "body", message: "not valid JSON" }]);
  }
}

/**
 * Validates the JSON body into `c.req.valid("json")`. Not `validator("json")` itself: that one
 * rejects an empty body sent with a JSON Content-Type and silently skips non-JSON bodies, where
 * the contract wants `{}` and a 415. The typing is the same as Hono's validator produces.
 */
export const body = <S extends z.ZodType>(
  schema: S,
): MiddlewareHandler<any, string, { in: { json: z.input<S> }; out: { json: z.output<S> } }> =>
  withSpec(async (c, next) => {
    c.req.addValidatedData("json", check(schema, await jsonBody(c), "body") as object);
    await next();
  }, { body: schema });

/** Validates path parameters into `c.req.valid("param")`; list every parameter of the route. */
export const params = <S extends z.ZodType>(schema: S) =>
  withSpec(validator("param", (value) => check(schema, value, "params")), { params: schema });

/** Validates the query string into `c.req.valid("query")`; a repeated key arrives as an array. */
export const query = <S extends z.ZodType>(schema: S) =>
  withSpec(validator("query", (value) => check(schema, value, "query")), { query: schema });
