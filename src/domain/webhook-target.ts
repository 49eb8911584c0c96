/*
 * Where an org's ops webhook may point (PATCH /v2/admin/settings, and the zone's sender before
 * every POST). In production only https URLs to public addresses pass, so an org cannot aim the
 * service at loopback, private networks or cloud metadata endpoints (SSRF). The check works on
 * the URL as `new URL` normalises it: `http://2130706433/`, `http://0x7f.1/` and `[::ffff:127.0.0.1]`
 * all arrive here as the literal they mean. A public name that resolves to a private address
 * cannot be seen from the URL; Workers cannot reach private networks in production anyway.
 */

/** Host names that never leave the machine or the site. */
const LOCAL_NAME_SUFFIXES = ["localhost", "local", "internal", "localdomain", "home.arpa"];

type Range = readonly [base: bigint, bits: number, kind: string];

const v4 = (dotted: string): bigint => dotted.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);

/** IPv4 blocks that are not public unicast (IANA special-purpose registry). */
const BLOCKED_V4: Range[] = [
  [v4("0.0.0.0"), 8, "this network"],
  [v4("10.0.0.0"), 8, "private"],
  [v4("100.64.0.0"), 10, "carrier-grade NAT"],
  [v4("127.0.0.0"), 8, "loopback"],
  [v4("169.254.0.0"), 16, "link-local"],
  [v4("172.16.0.0"), 12, "private"],
  [v4("192.0.0.0"), 24, "IETF protocol assignment"],
  [v4("192.0.2.0"), 24, "documentation"],
  [v4("192.88.99.0"), 24, "6to4 relay"],
  [v4("192.168.0.0"), 16, "private"],
  [v4("198.18.0.0"), 15, "benchmarking"],
  [v4("198.51.100.0"), 24, "documentation"],
  [v4("203.0.113.0"), 24, "documentation"],
  [v4("224.0.0.0"), 4, "multicast"],
  [v4("240.0.0.0"), 4, "reserved"],
];

const v6 = (groups: number[]): bigint => groups.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);

/**
 * IPv6 blocks that are not public unicast (IANA special-purpose registry), checked after the
 * exact ::1 and ::. 2001::/23 holds Teredo, benchmarking (2001:2::/48), ORCHID (2001:10::/28),
 * ORCHIDv2 (2001:20::/28) and the other IETF protocol assignments: none is a webhook receiver.
 */
const BLOCKED_V6: Range[] = [
  [v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0]), 48, "local-use NAT64"],
  [v6([0x100, 0, 0, 0, 0, 0, 0, 0]), 64, "discard-only"],
  [v6([0x2001, 0, 0, 0, 0, 0, 0, 0]), 23, "IETF protocol assignment"],
  [v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]), 32, "documentation"],
  [v6([0x3fff, 0, 0, 0, 0, 0, 0, 0]), 20, "documentation"],
  [v6([0x5f00, 0, 0, 0, 0, 0, 0, 0]), 16, "segment routing"],
  [v6([0xfc00, 0, 0, 0, 0, 0, 0, 0]), 7, "unique local"],
  [v6([0xfe80, 0, 0, 0, 0, 0, 0, 0]), 10, "link-local"],
  [v6([0xfec0, 0, 0, 0, 0, 0, 0, 0]), 10, "site-local"],
  [v6([0xff00, 0, 0, 0, 0, 0, 0, 0]), 8, "multicast"],
];

/** IPv6 blocks that carry an IPv4 address: the embedded address decides. */
const EMBEDDING_V6: readonly [base: bigint, bits: number, shift: bigint][] = [
  [v6([0, 0, 0, 0, 0, 0xffff, 0, 0]), 96, 0n], // IPv4-mapped ::ffff:a.b.c.d
  [v6([0, 0, 0, 0, 0xffff, 0, 0, 0]), 96, 0n], // IPv4-translated ::ffff:0:a.b.c.d
  [v6([0, 0, 0, 0, 0, 0, 0, 0]), 96, 0n], // IPv4-compatible ::a.b.c.d (deprecated)
  [v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0]), 96, 0n], // NAT64
  [v6([0x2002, 0, 0, 0, 0, 0, 0, 0]), 16, 80n], // 6to4: 2002:AABB:CCDD::/48
];

const inBlock = (address: bigint, base: bigint, bits: number, width: number) =>
  address >> BigInt(width - bits) === base >> BigInt(width - bits);

const kindOf = (address: bigint, ranges: Range[], width: number) =>
  ranges.find(([base, bits]) => inBlock(address, base, bits, width))?.[2] ?? null;

/** The 8 groups of a normalised IPv6 literal (no brackets; `new URL` never leaves a dotted tail). */
function ipv6Value(literal: string): bigint {
  const [head = "", tail] = literal.split("::");
  const groups = (part: string) => (part ? part.split(":").map((group) => Number.parseInt(group, 16)) : []);
  const left = groups(head);
  if (tail === undefined) return v6(left);
  const right = groups(tail);
  return v6([...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]);
}

function ipv6Kind(literal: string): string | null {
  const address = ipv6Value(literal);
  if (address === 0n) return "unspecified";
  if (address === 1n) return "loopback";
  for (const [base, bits, shift] of EMBEDDING_V6) {
    if (inBlock(address, base, bits, 128)) return kindOf((address >> shift) & 0xffffffffn, BLOCKED_V4, 32);
  }
  return kindOf(address, BLOCKED_V6, 128);
}

const IPV4_LITERAL = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Why a production webhook may not go to `hostname` (as `new URL` gives it), or null. */
function hostProblem(hostname: string): string | null {
  if (hostname.startsWith("[")) {
    const kind = ipv6Kind(hostname.slice(1, -1));
    return kind && `host ${hostname} is not public (${kind})`;
  }
  if (IPV4_LITERAL.test(hostname)) {
    const kind = kindOf(v4(hostname), BLOCKED_V4, 32);
    return kind && `host ${hostname} is not public (${kind})`;
  }
  // "localhost." is localhost: a trailing dot only makes the name fully qualified.
  const name = hostname.replace(/\.+$/, "");
  if (LOCAL_NAME_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`))) {
    return `host ${hostname} is not public (local name)`;
  }
  if (!name.includes(".")) return `host ${hostname} is not public (single-label name)`;
  return null;
}

/**
 * Why the ops webhook may not be sent to `url`, or null when it may. Everywhere: an http(s) URL
 * without credentials (the URL is shown back to admins, a password in it would leak). In
 * production also: https only, to a public address.
 */
export function webhookTargetProblem(url: string, options: { production: boolean }): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "not a valid URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "must be an http(s) URL";
  if (parsed.username || parsed.password) return "must not carry credentials";
  if (!options.production) return null;
  if (parsed.protocol !== "https:") return "must be an https URL in production";
  return hostProblem(parsed.hostname);
}
