/*
 * The operator's token lives in sessionStorage only: it survives a reload of this tab and is
 * gone when the tab closes; it is never written anywhere that other tabs or later visits read.
 */

const KEY = "dispatch.console.token";

export interface Session {
  token: string;
  /** The token's `role` claim, read only to decide what to offer; the API decides what is allowed. */
  role: string;
  org: string;
}

/** The claims of a JWT, unverified (the API verifies; this only labels the page). */
function claimsOf(token: string): Record<string, unknown> | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const claims: unknown = JSON.parse(json);
    return claims && typeof claims === "object" ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function sessionFor(token: string): Session {
  const claims = claimsOf(token);
  return { token, role: String(claims?.role ?? "unknown"), org: String(claims?.org ?? "unknown") };
}

export function storedSession(): Session | null {
  const token = sessionStorage.getItem(KEY);
  return token ? sessionFor(token) : null;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, session.token);
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
