import { decodeProtectedHeader, errors, jwtVerify } from "jose";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { Role, Uuid } from "../contracts/common";
import { isRelaxedEnvironment } from "../domain/environment";
import { sha256Hex } from "../domain/hex";
import type { AppEnv, Caller } from "./app-env";
import type { Env } from "./env";
import { ApiError, unauthorized } from "./http-error";

/**
 * SHA-256 of the public development secret (the one `npm start` and the tests sign with): it is
 * recognised by its hash, so the deployed bundle does not carry the secret itself.
 */
const DEV_SECRET_SHA256 = "0133eeafb75bcdb4c4b94ff3474217e40972f0bbfe3e4439f58eecb90094842a";

const encoder = new TextEncoder();

/** `JWT_KEYS`: every accepted key by its id (`kid`), for rotation. */
const KeyRing = z.record(z.string().min(1), z.string().min(1));

/** The keys by id; a JWT_KEYS that is not a JSON object of non-empty strings is a setup fault. */
function keysById(env: Env): Record<string, string> {
  if (!env.JWT_KEYS) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(env.JWT_KEYS);
  } catch {
    parsed = null;
  }
  const ring = KeyRing.safeParse(parsed);
  if (!ring.success) throw new ApiError(500, "JWT keys are not configured correctly");
  return ring.data;
}

/**
 * With a guessable or absent secret anyone could mint tokens, so the service refuses to serve:
 * no JWT_SECRET at all, anywhere, or the public one (as JWT_SECRET or in JWT_KEYS) outside
 * development and test.
 */
export async function assertSecretConfigured(env: Env): Promise<void> {
  const secret = env.JWT_SECRET;
  const keys = [secret, ...Object.values(keysById(env))];
  if (secret && (isRelaxedEnvironment(env.ENVIRONMENT) || !(await anyIsDevSecret(keys)))) return;
  throw new ApiError(500, "JWT secret is not configured");
}

async function anyIsDevSecret(keys: (string | undefined)[]): Promise<boolean> {
  for (const key of keys) if (key && (await sha256Hex(key)) === DEV_SECRET_SHA256) return true;
  return false;
}

/** The key a token is checked with: its `kid`'s in JWT_KEYS, or JWT_SECRET when it names none. */
function verificationKey(env: Env, token: string): Uint8Array {
  let kid: unknown;
  try {
    ({ kid } = decodeProtectedHeader(token));
  } catch {
    throw unauthorized("malformed token");
  }
  if (kid === undefined) return encoder.encode(env.JWT_SECRET);
  const keys = keysById(env);
  // Own keys only: a `kid` of "__proto__" or "constructor" must not find an inherited value.
  if (typeof kid !== "string" || !Object.hasOwn(keys, kid)) throw unauthorized("unknown token key id");
  return encoder.encode(keys[kid]);
}

const Claims = z.object({ sub: Uuid, role: Role, org: Uuid });

/** Verifies an HS256 token of this service and returns who is calling; any flaw is a 401. */
async function verifyToken(env: Env, token: string): Promise<Caller> {
  await assertSecretConfigured(env);
  const key = verificationKey(env, token);
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      issuer: env.JWT_ISSUER || "dispatch",
      audience: env.JWT_AUDIENCE || "dispatch-api",
      requiredClaims: ["exp"],
      clockTolerance: CLOCK_SKEW_SECONDS,
    }));
  } catch (err) {
    throw unauthorized(whyRejected(err));
  }
  refuseImplausibleLifetime(env, payload as { iat?: unknown; exp: number });
  const claims = Claims.safeParse(payload);
  if (!claims.success) {
    const claim = claims.error.issues[0]?.path.join(".") || "payload";
    throw unauthorized(`invalid "${claim}" claim`);
  }
  return claims.data;
}

/** Clock skew tolerated between the token's issuer and this service. */
const CLOCK_SKEW_SECONDS = 30;
/** The longest a token may live unless `JWT_MAX_TTL_SECONDS` says otherwise (30 days). */
const DEFAULT_MAX_TTL_SECONDS = 2_592_000;

/**
 * A token issued in the future, or valid for longer than the configured cap, is refused: a
 * leaked token must not stay good for years.
 */
function refuseImplausibleLifetime(env: Env, payload: { iat?: unknown; exp: number }): void {
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.iat === "number" && payload.iat > now + CLOCK_SKEW_SECONDS) throw unauthorized("token issued in the future");
  const maxTtl = Number(env.JWT_MAX_TTL_SECONDS) > 0 ? Number(env.JWT_MAX_TTL_SECONDS) : DEFAULT_MAX_TTL_SECONDS;
  if (payload.exp - now > maxTtl) throw unauthorized("token lifetime exceeds the allowed maximum");
}

function whyRejected(err: unknown): string {
  if (err instanceof errors.JWTExpired) return "token expired";
  if (err instanceof errors.JWTClaimValidationFailed) return `invalid "${err.claim}" claim`;
  if (err instanceof errors.JOSEAlgNotAllowed) return "token algorithm not allowed";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "invalid token signature";
  return "malformed token";
}

/** The token of an `Authorization: Bearer <token>` header, if that is what the header holds. */
function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/**
 * Browsers cannot set headers on a WebSocket, so docs/api.md lets them send the token as the
 * subprotocol `bearer.<token>` (next to `dispatch.v2`).
 */
function subprotocolToken(header: string | undefined): string | undefined {
  for (const protocol of header?.split(",") ?? []) {
    const trimmed = protocol.trim();
    if (trimmed.startsWith("bearer.") && trimmed.length > "bearer.".length) return trimmed.slice("bearer.".length);
  }
  return undefined;
}

const TRACKING_READ = /^\/v2\/orders\/[^/]+\/(?:delivery-status|ws)$/;
const TRACKING_RATING = /^\/v2\/orders\/[^/]+\/rating$/;

/**
 * The customer's tracking token when this request authenticates by it instead of a JWT: a GET
 * of an order's delivery-status or ws route, or the POST of its rating, with `?token=` and no
 * Authorization header. `requireAuth` is skipped for exactly these requests; the route must
 * check the token itself.
 */
export function trackingToken(c: Context): string | undefined {
  if (c.req.header("Authorization") !== undefined) return undefined;
  const route = c.req.method === "GET" ? TRACKING_READ : c.req.method === "POST" ? TRACKING_RATING : null;
  if (!route?.test(c.req.path)) return undefined;
  return c.req.query("token") || undefined;
}

/** The JWT a request presents: its Authorization header, or a WebSocket's `bearer.` subprotocol. */
function presentedToken(c: Context): string | undefined {
  const authorization = c.req.header("Authorization");
  if (authorization !== undefined) return bearerToken(authorization);
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") return undefined;
  return subprotocolToken(c.req.header("Sec-WebSocket-Protocol"));
}

/** Sets `caller` from the presented token; a missing or invalid one is a 401. */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const token = presentedToken(c);
  if (!token) throw unauthorized("missing bearer token");
  c.set("caller", await verifyToken(c.env, token));
  await next();
});
