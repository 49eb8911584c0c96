/**
 * The one log threshold of the service (the `LOG_LEVEL` var): `error` keeps only failures,
 * anything else (or nothing) keeps every line. Request lines and decision lines both follow it.
 */
export function isLogged(level: "info" | "error", logLevel: string | undefined): boolean {
  return level === "error" || logLevel?.toLowerCase() !== "error";
}
