#!/usr/bin/env node
// Mint a Dispatch v2 API token (HS256 JWT, docs/api.md "Authentication and roles").
//
//   npm run token -- --role admin --org <uuid> [--sub <uuid>] [--ttl <seconds>] [--kid <key id>]
//
// Signed with env JWT_SECRET (default: the public local development secret `npm start` uses),
// or with `--kid` by that key of env JWT_KEYS (JSON `{ "<kid>": "<secret>" }`, key rotation);
// iss / aud from env JWT_ISSUER / JWT_AUDIENCE (defaults dispatch / dispatch-api).
// Prints only the token on stdout; errors go to stderr with exit code 2.
//
// Also importable: `mintToken({ role, org, sub?, ttlSeconds?, kid? })` (used by scripts/start.mjs).

import { randomUUID } from "node:crypto";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";

export const DEV_JWT_SECRET = "local-dev-secret-do-not-use-in-production";
export const ROLES = Object.freeze(["driver", "service", "ops", "admin"]);
export const DEFAULT_TTL_SECONDS = 3600;

// Same rule as the service's validation (zod `z.uuid()`: RFC 9562 versions 1-8, plus nil/max).
const UUID_RE =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/i;

export function isUuid(value) {
  return typeof value === "string" && UUID_RE.test(value);
}

/** Signing settings from the environment, with the local-development defaults. */
export function jwtSettings(env = process.env) {
  return {
    secret: env.JWT_SECRET || DEV_JWT_SECRET,
    issuer: env.JWT_ISSUER || "dispatch",
    audience: env.JWT_AUDIENCE || "dispatch-api",
  };
}

/** The secret of key `kid` in env JWT_KEYS; a TypeError when there is none. */
function rotationKey(env, kid) {
  let keys;
  try {
    keys = JSON.parse(env.JWT_KEYS ?? "{}");
  } catch {
    throw new TypeError("JWT_KEYS must be a JSON object of key id to secret");
  }
  const secret = keys && typeof keys === "object" && Object.hasOwn(keys, kid) ? keys[kid] : undefined;
  if (typeof secret !== "string" || secret === "") throw new TypeError(`--kid ${JSON.stringify(kid)} is not a key of JWT_KEYS`);
  return secret;
}

/**
 * Sign a token. Throws a TypeError naming the bad argument.
 * @param {{ role: string, org: string, sub?: string, ttlSeconds?: number, kid?: string, env?: Record<string, string | undefined> }} opts
 * @returns {Promise<string>}
 */
export async function mintToken({ role, org, sub, ttlSeconds = DEFAULT_TTL_SECONDS, kid, env = process.env }) {
  if (!ROLES.includes(role)) {
    throw new TypeError(`--role must be one of ${ROLES.join(", ")} (got ${JSON.stringify(role ?? null)})`);
  }
  if (!isUuid(org)) throw new TypeError(`--org must be a UUID (got ${JSON.stringify(org ?? null)})`);
  const subject = sub ?? randomUUID();
  if (!isUuid(subject)) throw new TypeError(`--sub must be a UUID (got ${JSON.stringify(subject)})`);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new TypeError(`--ttl must be a positive whole number of seconds (got ${JSON.stringify(ttlSeconds)})`);
  }
  const settings = jwtSettings(env);
  const secret = kid === undefined ? settings.secret : rotationKey(env, kid);
  const { issuer, audience } = settings;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role, org })
    .setProtectedHeader({ alg: "HS256", typ: "JWT", ...(kid === undefined ? {} : { kid }) })
    .setSubject(subject)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

const USAGE = `Usage: npm run token -- --role <${ROLES.join("|")}> --org <uuid> [--sub <uuid>] [--ttl <seconds>] [--kid <key id>]

  --role  driver | service | ops | admin            (required)
  --org   organization (tenant) UUID                (required)
  --sub   caller UUID; for a driver, the driver id  (default: a random UUID)
  --ttl   lifetime in seconds                       (default: ${DEFAULT_TTL_SECONDS})
  --kid   sign with this key of JWT_KEYS            (default: JWT_SECRET, no kid header)

Env: JWT_SECRET (default: the local dev secret), JWT_KEYS (JSON { "<kid>": "<secret>" }),
JWT_ISSUER (dispatch), JWT_AUDIENCE (dispatch-api).`;

async function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        role: { type: "string" },
        org: { type: "string" },
        sub: { type: "string" },
        ttl: { type: "string" },
        kid: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return fail(err.message);
  }
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (values.role === undefined) return fail("--role is required");
  if (values.org === undefined) return fail("--org is required");
  let ttlSeconds = DEFAULT_TTL_SECONDS;
  if (values.ttl !== undefined) {
    if (!/^\d+$/.test(values.ttl)) return fail(`--ttl must be a positive whole number of seconds (got "${values.ttl}")`);
    ttlSeconds = Number(values.ttl);
  }
  try {
    const token = await mintToken({ role: values.role, org: values.org, sub: values.sub, ttlSeconds, kid: values.kid });
    process.stdout.write(token + "\n");
    return 0;
  } catch (err) {
    if (err instanceof TypeError) return fail(err.message);
    throw err;
  }
}

function fail(message) {
  process.stderr.write(`token: ${message}\n\n${USAGE}\n`);
  return 2;
}

function isMain() {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  process.exitCode = await main(process.argv.slice(2));
}
