import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorBody, ErrorDetail } from "../contracts/errors";
import { DomainError, type DomainErrorKind } from "../domain/errors";
import type { AppEnv } from "./app-env";

/** An answer the edge decided on; thrown anywhere in the chain and rendered by `onError`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Extra response headers, e.g. `Retry-After` on a 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const badRequest = (message: string, details?: ErrorDetail[]) => new ApiError(400, message, details);
export const unauthorized = (why: string) => new ApiError(401, `Unauthorized: ${why}`);
export const forbidden = (why: string) => new ApiError(403, `Forbidden: ${why}`);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);
export const unprocessable = (message: string) => new ApiError(422, message);
export const payloadTooLarge = (message: string) => new ApiError(413, message);
export const unsupportedMediaType = (message: string) => new ApiError(415, message);
export const tooManyRequests = (retryAfterSeconds: number) =>
  new ApiError(429, "Too many requests, slow down", undefined, { "Retry-After": String(retryAfterSeconds) });

const REASON: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  426: "Upgrade Required",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** The contract's error body (docs/api-notes.md "Conventions"), for every non-2xx answer. */
function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  message: string,
  details?: ErrorDetail[],
): Response {
  const body: ErrorBody = {
    statusCode: status,
    timestamp: new Date().toISOString(),
    path: c.req.path,
    message,
    error: REASON[status] ?? "Error",
    ...(details && details.length > 0 ? { details } : {}),
  };
  return c.json(body, status);
}

const STATUS_OF_KIND: Record<DomainErrorKind, ContentfulStatusCode> = {
  conflict: 409,
  not_found: 404,
  forbidden: 403,
  invalid: 400,
  unprocessable: 422,
  unauthorized: 401,
};

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof ApiError) {
    for (const [name, value] of Object.entries(err.headers ?? {})) c.header(name, value);
    return errorResponse(c, err.status, err.message, err.details);
  }
  if (err instanceof DomainError) {
    const status = STATUS_OF_KIND[err.kind];
    // The contract wants "Forbidden" in every 403 message, whatever the domain wording.
    const message = status === 403 && !err.message.includes("Forbidden") ? `Forbidden: ${err.message}` : err.message;
    return errorResponse(c, status, message);
  }
  // Hono's own middleware speaks HTTPException; keep its status but never leak a 5xx message.
  if (err instanceof HTTPException && err.status < 500) {
    return errorResponse(c, err.status as ContentfulStatusCode, err.message || (REASON[err.status] ?? "Error"));
  }
  // Unknown failure: log it with the request id for operators, tell the client nothing internal.
  console.error(`[${c.get("requestId") ?? "-"}] ${c.req.method} ${c.req.path} failed`, err);
  return errorResponse(c, 500, "Internal server error");
};

export const notFoundHandler: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(c, 404, `Cannot ${c.req.method} ${c.req.path}`);
