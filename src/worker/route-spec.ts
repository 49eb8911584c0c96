import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import type { Role } from "../contracts/common";

/*
 * What a route says about itself, attached to the middlewares it is built from: the validators
 * carry their schemas, the role gates their roles, `describe` the summary and answers. The
 * OpenAPI document is read off the routes themselves (src/worker/openapi.ts), so it cannot list
 * a schema the route does not use.
 */

interface RouteAnswer {
  description: string;
  /** The JSON body; none for an answer without one (a 101 upgrade). */
  schema?: z.ZodType;
  /** The media type of a body that is not JSON (Prometheus text): the document shows it as a string. */
  mediaType?: string;
}

export interface RouteSpec {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Roles that may call it; `self` names the path parameter a driver must match. */
  roles?: Role[];
  self?: string;
  summary?: string;
  tag?: string;
  /** The success answers by status (errors are the contract's one shape, added for every route). */
  answers?: Record<number, RouteAnswer>;
  /** Authenticates with the customer's tracking token instead of (or beside) a JWT. */
  trackingToken?: boolean;
  /** A request body the reference shows as its example (a test parses it with the route's schema). */
  example?: unknown;
}

const SPEC = Symbol("route spec");

type WithSpec = { [SPEC]?: RouteSpec };

/** Attaches `spec` to a middleware (merged with what it already carries). */
export function withSpec<H extends (...args: any[]) => unknown>(handler: H, spec: RouteSpec): H {
  const tagged = handler as H & WithSpec;
  tagged[SPEC] = { ...tagged[SPEC], ...spec };
  return handler;
}

/** What a handler says about its route, if anything. */
export function specOf(handler: unknown): RouteSpec | undefined {
  return (handler as WithSpec | null)?.[SPEC];
}

/** A pass-through middleware that only describes its route for the API reference. */
export function describe(spec: Pick<RouteSpec, "summary" | "tag" | "answers" | "trackingToken" | "example">): MiddlewareHandler {
  return withSpec(async (_c, next) => {
    await next();
  }, spec);
}
