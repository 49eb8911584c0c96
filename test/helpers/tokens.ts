import { SignJWT } from "jose";
import type { Role } from "../../src/contracts/common";

export const TEST_SECRET = "local-dev-secret-do-not-use-in-production";

export interface TokenOptions {
  role: Role | string;
  org: string;
  sub?: string;
  /** Seconds from now until `exp`; negative for an already expired token. */
  expSeconds?: number;
  /** Seconds from now of `iat` (default 0: issued now). */
  iatSeconds?: number;
  secret?: string;
  alg?: "HS256" | "HS384" | "HS512";
  /** The `kid` header: which of JWT_KEYS signed it. */
  kid?: string;
  aud?: string;
  iss?: string;
  /** Claims to leave out, e.g. `["role"]`. */
  omit?: string[];
}

/** A token as a client of the API would hold it; every knob exists to break one property. */
export async function mintToken(opts: TokenOptions): Promise<string> {
  const claims: Record<string, unknown> = { sub: opts.sub ?? crypto.randomUUID(), role: opts.role, org: opts.org };
  for (const name of opts.omit ?? []) delete claims[name];
  const alg = opts.alg ?? "HS256";
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: "JWT", ...(opts.kid === undefined ? {} : { kid: opts.kid }) })
    .setIssuedAt(Math.floor(Date.now() / 1000) + (opts.iatSeconds ?? 0))
    .setIssuer(opts.iss ?? "dispatch")
    .setAudience(opts.aud ?? "dispatch-api")
    .setExpirationTime(Math.floor(Date.now() / 1000) + (opts.expSeconds ?? 3600))
    .sign(new TextEncoder().encode(opts.secret ?? TEST_SECRET));
}

const base64url = (value: unknown) =>
  btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** An unsecured JWT (`alg: none`, empty signature) with otherwise valid claims. */
export function unsignedToken(opts: Pick<TokenOptions, "role" | "org" | "sub">): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    sub: opts.sub ?? crypto.randomUUID(),
    role: opts.role,
    org: opts.org,
    iss: "dispatch",
    aud: "dispatch-api",
    iat: now,
    exp: now + 3600,
  };
  return `${base64url({ alg: "none", typ: "JWT" })}.${base64url(payload)}.`;
}
