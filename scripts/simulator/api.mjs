// HTTP to the service with tokens minted like `npm run token` (scripts/token.mjs). Each role's
// calls are spread over as many callers (token `sub`s) as its rate limit needs: the API counts
// writes (600/min) and reads (1,200/min) per org + sub, so a pool keeps every token under a
// margin of its budget over any 60 s and mints another one when all are busy.

import { mintToken } from "../token.mjs";

const WINDOW_MS = 60_000;
/** Per token and 60 s: below RL_WRITES (600) and RL_READS (1,200), with room for retries. */
export const WRITE_BUDGET = 500;
export const READ_BUDGET = 1000;
const TOKEN_TTL_SECONDS = 12 * 3600;
const REQUEST_TIMEOUT_MS = 30_000;

export class TokenPool {
  /** @param {{ role: string, org: string, budget: number }} opts */
  constructor({ role, org, budget }) {
    this.role = role;
    this.org = org;
    this.budget = budget;
    /** @type {{ token: Promise<string>, uses: number[] }[]} */
    this.tokens = [];
  }

  /** A token with room in its budget (a use is counted now). */
  acquire() {
    const now = Date.now();
    for (const entry of this.tokens) {
      while (entry.uses.length > 0 && entry.uses[0] <= now - WINDOW_MS) entry.uses.shift();
      if (entry.uses.length < this.budget) {
        entry.uses.push(now);
        return entry.token;
      }
    }
    const entry = { token: mintToken({ role: this.role, org: this.org, ttlSeconds: TOKEN_TTL_SECONDS }), uses: [now] };
    this.tokens.push(entry);
    return entry.token;
  }

  get size() {
    return this.tokens.length;
  }
}

/** Error kinds are short and stable ("http_503", "network"), so they can be counted. */
export class ApiError extends Error {
  constructor(kind, message, status) {
    super(message);
    this.kind = kind;
    this.status = status;
  }
}

/**
 * One request; answers the parsed JSON of an `expected` status, throws ApiError otherwise.
 * `bearer` is a token or a promise of one.
 */
export async function call(baseUrl, method, path, bearer, { body, expected = 200, headers = {} } = {}) {
  const token = await bearer;
  let res;
  try {
    res = await fetch(baseUrl + path, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const timedOut = error?.name === "TimeoutError";
    throw new ApiError(timedOut ? "timeout" : "network", `${method} ${path}: ${timedOut ? "no answer within 30 s" : error?.cause?.code ?? error?.message ?? error}`);
  }
  const text = await res.text();
  if (res.status !== expected) {
    const error = new ApiError(`http_${res.status}`, `${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`, res.status);
    error.retryAfterSeconds = Number(res.headers.get("retry-after")) || undefined;
    error.inProgress = res.status === 409 && /in progress/i.test(text);
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("bad_json", `${method} ${path} answered ${res.status} with a non-JSON body: ${text.slice(0, 200)}`);
  }
}

/** Errors worth another try: no answer, a 5xx, a 429 (after its Retry-After, at most 5 s here), an idempotency 409 "in progress". */
export function retryDelayMs(error, attempt) {
  if (!(error instanceof ApiError)) return null;
  if (error.kind === "network" || error.kind === "timeout" || (error.status !== undefined && error.status >= 500)) return 250 * 2 ** attempt;
  if (error.status === 429) return Math.min(5, error.retryAfterSeconds ?? 1) * 1000;
  if (error.inProgress) return 500 * 2 ** attempt;
  return null;
}

