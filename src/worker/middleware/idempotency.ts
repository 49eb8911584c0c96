import { and, eq } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { idempotencyKeys } from "../../db/d1-schema";
import { sha256Hex } from "../../domain/hex";
import type { AppEnv } from "../app-env";
import { badRequest, conflict, unprocessable } from "../http-error";
import { restoreTrackingLink, withoutTrackingLink } from "../tracking-links";
import { rawBody } from "../validation";

/*
 * docs/api-notes.md "Conventions": a POST with `Idempotency-Key` runs once per (org, caller, key) within 24 h;
 * a repeat gets the first answer replayed. The row is reserved before the handler runs
 * (status 0) so concurrent repeats cannot both run it.
 */

const VISIBLE_KEY = /^[\x21-\x7E]{1,255}$/;
const IN_PROGRESS = 0;
/** A reservation this old belongs to a request that died; a retry may take it over. */
const ABANDONED_AFTER_MS = 60_000;
/** Records older than this are treated as absent. */
const RECORD_TTL_MS = 24 * 60 * 60 * 1000;

type StoredRecord = typeof idempotencyKeys.$inferSelect;
type Scope = Pick<StoredRecord, "orgId" | "callerId" | "key">;

const inScope = (s: Scope) =>
  and(eq(idempotencyKeys.orgId, s.orgId), eq(idempotencyKeys.callerId, s.callerId), eq(idempotencyKeys.key, s.key));

/** Same key + same request means same method, path and bytes. */
async function fingerprintOf(c: Context): Promise<string> {
  const head = new TextEncoder().encode(`${c.req.method} ${c.req.path}\n`);
  const bytes = await rawBody(c);
  const message = new Uint8Array(head.byteLength + bytes.byteLength);
  message.set(head);
  message.set(bytes, head.byteLength);
  return sha256Hex(message);
}

/** Inserts our reservation unless a record exists; true when it is ours. */
async function reserve(db: DrizzleD1Database, scope: Scope, fingerprint: string, now: number): Promise<boolean> {
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ ...scope, fingerprint, status: IN_PROGRESS, body: null, createdAt: now })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  return inserted.length === 1;
}

/** Replaces an expired or abandoned record, unless another request replaced it first. */
async function takeOver(db: DrizzleD1Database, old: StoredRecord, fingerprint: string, now: number): Promise<boolean> {
  const updated = await db
    .update(idempotencyKeys)
    .set({ fingerprint, status: IN_PROGRESS, body: null, createdAt: now })
    .where(and(inScope(old), eq(idempotencyKeys.createdAt, old.createdAt), eq(idempotencyKeys.status, old.status)))
    .returning({ key: idempotencyKeys.key });
  return updated.length === 1;
}

/**
 * Makes this request the owner of the key (returns undefined) or returns the completed record
 * to replay; throws 422 for a different request under the same key and 409 while one runs.
 */
async function claim(db: DrizzleD1Database, scope: Scope, fingerprint: string, now: number): Promise<StoredRecord | undefined> {
  // A few rounds, because a record can be released or replaced between our statements.
  for (let round = 0; round < 3; round++) {
    if (await reserve(db, scope, fingerprint, now)) return undefined;
    const [found] = await db.select().from(idempotencyKeys).where(inScope(scope)).limit(1);
    if (!found) continue;
    const age = now - found.createdAt;
    const expired = age >= RECORD_TTL_MS;
    if (!expired && found.fingerprint !== fingerprint) {
      throw unprocessable("Idempotency-Key reused with a different request");
    }
    if (expired || (found.status === IN_PROGRESS && age >= ABANDONED_AFTER_MS)) {
      if (await takeOver(db, found, fingerprint, now)) return undefined;
      continue;
    }
    if (found.status === IN_PROGRESS) throw conflict("A request with this Idempotency-Key is in progress");
    return found;
  }
  throw conflict("A request with this Idempotency-Key is in progress");
}

/**
 * Answers worth replaying: successes and the client's own mistakes. 401 and 429 say nothing
 * about the request itself and a 5xx may be transient, so those free the key for a retry.
 */
const isReplayable = (status: number) =>
  (status >= 200 && status < 300) || (status >= 400 && status < 500 && status !== 401 && status !== 429);

async function settle(db: DrizzleD1Database, scope: Scope, reservedAt: number, res: Response): Promise<void> {
  const ours = and(inScope(scope), eq(idempotencyKeys.createdAt, reservedAt), eq(idempotencyKeys.status, IN_PROGRESS));
  if (!isReplayable(res.status)) {
    await db.delete(idempotencyKeys).where(ours);
    return;
  }
  const text = await res.clone().text();
  await db
    .update(idempotencyKeys)
    .set({ status: res.status, body: text === "" ? null : withoutTrackingLink(text) })
    .where(ours);
}

export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header("Idempotency-Key");
  if (c.req.method !== "POST" || key === undefined) return next();
  if (!VISIBLE_KEY.test(key)) {
    const message = "must be 1-255 visible ASCII characters";
    throw badRequest(`Validation failed: Idempotency-Key ${message}`, [{ path: "headers.idempotency-key", message }]);
  }
  // A tracking-token request (the customer's rating) has no caller to keep a key for; rating
  // twice is a 409 anyway, so a repeat is harmless without one.
  const caller = c.get("caller");
  if (!caller) return next();
  const scope: Scope = { orgId: caller.org, callerId: caller.sub, key };
  const db = drizzle(c.env.DB);
  const now = Date.now();
  const completed = await claim(db, scope, await fingerprintOf(c), now);
  if (completed) {
    const headers: Record<string, string> = { "Idempotent-Replayed": "true" };
    if (completed.body !== null) headers["Content-Type"] = "application/json";
    const body = completed.body === null ? null : await restoreTrackingLink(c, completed.body);
    return new Response(body, { status: completed.status, headers });
  }
  await next();
  try {
    await settle(db, scope, now, c.res);
  } catch (err) {
    // The handler's answer stands; the reservation stays and is taken over after ABANDONED_AFTER_MS.
    console.error(`[${c.get("requestId")}] idempotency record not saved`, err);
  }
});
