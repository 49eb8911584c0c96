import type { Context, MiddlewareHandler } from "hono";
import { validator } from "hono/validator";
import type { z } from "zod";
import type { ErrorDetail } from "../contracts/errors";
import { badRequest, payloadTooLarge, unsupportedMediaType } from "./http-error";

/*
 * Typed request validators. Handlers read the parsed values with `c.req.valid("json" | "param" |
 * "query")`, typed as the schema's output. Schemas should be `z.strictObject` so unknown fields
 * are a 400 (API.md), never silently dropped. Path and query values arrive as strings: use
 * `z.coerce.number()` (or similar) where a number is expected, e.g.
 *   query(z.strictObject({ limit: z.coerce.number().int().min(1).max(100).optional() }))
 * Put these before `allow`/`selfOr` in a route so 400 beats 403.
 */

/** API.md: a body over 64 KiB is a 413. */
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

/**
 * The raw request body, at most MAX_BODY_BYTES (by declared length, then by actual bytes).
 * Hono caches it on `c.req`, so the idempotency fingerprint and the validators share one read.
 */
export async function rawBody(c: Context): Promise<Uint8Array> {
  const tooLarge = () => payloadTooLarge(`Request body exceeds ${MAX_BODY_BYTES} bytes`);
  if (Number(c.req.header("Content-Length")) > MAX_BODY_BYTES) throw tooLarge();
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  return bytes;
}

const isJsonMediaType = (contentType: string | undefined) =>
  contentType?.split(";")[0]?.trim().toLowerCase() === "application/json";

/** An empty body is `{}` (API.md: an empty POST needs no Content-Type); anything else must be JSON. */
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
export const body =
  <S extends z.ZodType>(
    schema: S,
  ): MiddlewareHandler<any, string, { in: { json: z.input<S> }; out: { json: z.output<S> } }> =>
  async (c, next) => {
    c.req.addValidatedData("json", check(schema, await jsonBody(c), "body") as object);
    await next();
  };

/** Validates path parameters into `c.req.valid("param")`; list every parameter of the route. */
export const params = <S extends z.ZodType>(schema: S) =>
  validator("param", (value) => check(schema, value, "params"));

/** Validates the query string into `c.req.valid("query")`; a repeated key arrives as an array. */
export const query = <S extends z.ZodType>(schema: S) =>
  validator("query", (value) => check(schema, value, "query"));
