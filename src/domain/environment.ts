/**
 * Production is the default. Only an environment explicitly named `development` or `test` (any
 * case) relaxes a safeguard (the signing-secret check, the webhook address rules); a typo, a
 * staging name or no name at all keeps every safeguard on.
 */
export function isRelaxedEnvironment(name: string | undefined): boolean {
  return /^(development|test)$/i.test(name?.trim() ?? "");
}
