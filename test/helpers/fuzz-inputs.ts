import fc from "fast-check";

/*
 * Hostile inputs for the HTTP fuzz (test/runtime/fuzz.test.ts): JSON of every type, unicode,
 * numbers past every limit, odd path segments and bodies that are not what they claim to be.
 */

/** Numbers a handler may not expect: huge, tiny, negative zero, past 2^53, fractional ids. */
const oddNumber = fc.constantFrom(0, -0, -1, 1.5, 1e308, -1e308, 5e-324, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 99999999999);

/** Strings a handler may not expect: empty, blank, unicode, control characters, very long, injection-shaped. */
const oddString = fc.oneof(
  fc.constantFrom("", " ", "\u0000", "ü🚚 डिलीवरी", "\u202e\u200b", "'; DROP TABLE deliveries; --", "<script>", "../../etc", "a".repeat(5000)),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);

/** Any JSON value, odd leaves included. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: oddNumber },
  { weight: 1, arbitrary: oddString },
);

/**
 * A plausible body made wrong: a field dropped, one replaced by any JSON value, an unknown field
 * added — or left as it was, so some requests get past validation into the zone.
 */
export function mutated(body: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(body);
  const key = keys.length > 0 ? fc.constantFrom(...keys) : fc.constant("x");
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(body) },
    { weight: 1, arbitrary: key.map((k) => Object.fromEntries(Object.entries(body).filter(([name]) => name !== k))) },
    { weight: 2, arbitrary: fc.tuple(key, anyJson).map(([k, v]) => ({ ...body, [k]: v })) },
    { weight: 1, arbitrary: fc.tuple(oddString, anyJson).map(([k, v]) => ({ ...body, [k || "extra"]: v })) },
    { weight: 1, arbitrary: anyJson },
  );
}

/** A path segment in place of an id: a real one mostly, else a stranger, a non-uuid or worse. */
export function segment(real: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...real) },
    { weight: 1, arbitrary: fc.uuid() },
    {
      weight: 2,
      arbitrary: fc
        .oneof(fc.constantFrom("not-a-uuid", "00000000-0000-0000-0000-000000000000", "1e309", "-1", "%00", "..", "%2e%2e", "a".repeat(3000)), oddString)
        .filter((s) => s.length > 0)
        .map((s) => encodeURIComponent(s)),
    },
  );
}

/** How a body travels: JSON as it should, or raw text under any content type (or none). */
export const bodyEncoding = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ contentType: "application/json" as string | null, raw: false }) },
  { weight: 1, arbitrary: fc.constantFrom<string | null>("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", null).map((contentType) => ({ contentType, raw: false })) },
  { weight: 1, arbitrary: fc.constantFrom<string | null>("application/json", null).map((contentType) => ({ contentType, raw: true })) },
);

/** Bodies that are not JSON at all, or JSON too large or too deep to be reasonable. */
export const rawBody = fc.oneof(
  fc.constantFrom("", "{", "nul", "[1,2", '{"a":1}{"b":2}', "\uFEFF{}", "{\"__proto__\":{\"x\":1}}", "[".repeat(2000) + "]".repeat(2000), JSON.stringify({ big: "x".repeat(200_000) })),
  fc.string({ unit: "binary", maxLength: 50 }),
);

/** A query string: the route's own keys and strangers, with odd values. */
export function queryString(keys: string[]): fc.Arbitrary<string> {
  const name = fc.oneof(fc.constantFrom(...keys, "limit", "status", "since", "token"), oddString);
  const value = fc.oneof(fc.constantFrom("PENDING", "OPEN", "1", "0", "-5", "500", "501", "1e3", "true", "[]"), oddString);
  return fc
    .array(fc.tuple(name, value), { maxLength: 3 })
    .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")}`));
}
