import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { webhookTargetProblem } from "../../src/domain/webhook-target";

const production = (url: string) => webhookTargetProblem(url, { production: true });
const development = (url: string) => webhookTargetProblem(url, { production: false });

describe("webhookTargetProblem everywhere", () => {
  it.each([
    ["not a URL", "not a valid URL"],
    ["", "not a valid URL"],
    ["//example.com/hook", "not a valid URL"],
    ["ftp://example.com/hook", "must be an http(s) URL"],
    ["javascript:alert(1)", "must be an http(s) URL"],
    ["file:///etc/passwd", "must be an http(s) URL"],
    ["https://user:pass@example.com/hook", "must not carry credentials"],
    ["https://user@example.com/hook", "must not carry credentials"],
    ["https://:pass@example.com/hook", "must not carry credentials"],
  ])("refuses %j outside production too", (url, problem) => {
    expect(development(url)).toBe(problem);
    expect(production(url)).toBe(problem);
  });

  it.each(["http://127.0.0.1:8788/hooks/x", "http://localhost:3000/hook", "http://10.0.0.5/hook", "http://[::1]:9/x", "https://ops.example.com/hook"])(
    "allows %s outside production (local receivers in tests and development)",
    (url) => expect(development(url)).toBeNull(),
  );
});

describe("webhookTargetProblem in production", () => {
  it.each([
    "https://ops.example.com/hooks/dispatch",
    "https://hooks.slack.com/services/T000/B000/XXXX",
    "https://example.com:8443/hook?x=1",
    "https://8.8.8.8/hook",
    "https://1.1.1.1/",
    "https://172.32.0.1/", // just past 172.16/12
    "https://100.128.0.1/", // just past 100.64/10
    "https://169.253.255.255/",
    "https://[2606:4700:4700::1111]/hook",
    "https://[::ffff:8.8.8.8]/", // IPv4-mapped public address
    "https://[2002:808:808::]/", // 6to4 of 8.8.8.8
    "https://[::ffff:0:808:808]/", // IPv4-translated public address
    "https://[2001:200::1]/", // just past 2001::/23
    "https://[3fff:1000::1]/", // just past 3fff::/20
    "https://[5f01::1]/", // just past 5f00::/16
    "https://EXAMPLE.com./hook",
    "https://localhost.example.com/", // "localhost" only as the whole name or last label
  ])("allows the public https target %s", (url) => {
    expect(production(url)).toBeNull();
  });

  it("requires https", () => {
    expect(production("http://ops.example.com/hook")).toBe("must be an https URL in production");
  });

  it.each([
    ["https://localhost/hook", "local name"],
    ["https://LOCALHOST./hook", "local name"],
    ["https://api.localhost/hook", "local name"],
    ["https://printer.local/hook", "local name"],
    ["https://metadata.google.internal/computeMetadata/v1/", "local name"],
    ["https://router.home.arpa/", "local name"],
    ["https://box.localdomain/", "local name"],
    ["https://intranet/hook", "single-label name"],
    ["https://127.0.0.1/hook", "loopback"],
    ["https://127.255.255.254/hook", "loopback"],
    ["https://10.1.2.3/hook", "private"],
    ["https://172.16.0.1/hook", "private"],
    ["https://172.31.255.255/hook", "private"],
    ["https://192.168.1.1/hook", "private"],
    ["https://169.254.169.254/latest/meta-data/", "link-local"],
    ["https://100.64.0.1/", "carrier-grade NAT"],
    ["https://100.127.255.255/", "carrier-grade NAT"],
    ["https://0.0.0.0/", "this network"],
    ["https://0/", "this network"],
    ["https://224.0.0.1/", "multicast"],
    ["https://239.255.255.250/", "multicast"],
    ["https://240.0.0.1/", "reserved"],
    ["https://255.255.255.255/", "reserved"],
    ["https://192.0.2.10/", "documentation"],
    ["https://198.18.0.1/", "benchmarking"],
  ])("refuses %s (%s)", (url, kind) => {
    expect(production(url)).toMatch(new RegExp(`is not public \\(${kind}\\)$`));
  });

  it.each([
    ["https://2130706433/", "127.0.0.1", "loopback"], // decimal
    ["https://0x7f000001/", "127.0.0.1", "loopback"], // hex
    ["https://0x7f.1/", "127.0.0.1", "loopback"], // mixed short form
    ["https://0177.0.0.1/", "127.0.0.1", "loopback"], // octal
    ["https://127.1/", "127.0.0.1", "loopback"],
    ["https://127.0.0.1./", "127.0.0.1", "loopback"],
    ["https://3232235777/", "192.168.1.1", "private"],
    ["https://0xa9.0xfe.0xa9.0xfe/", "169.254.169.254", "link-local"],
  ])("sees through the IPv4 spelling %s (%s)", (url, normalised, kind) => {
    expect(production(url)).toBe(`host ${normalised} is not public (${kind})`);
  });

  it.each([
    ["https://[::1]/", "loopback"],
    ["https://[0:0:0:0:0:0:0:1]/", "loopback"],
    ["https://[::]/", "unspecified"],
    ["https://[fc00::1]/", "unique local"],
    ["https://[fd12:3456:789a::1]/", "unique local"],
    ["https://[fe80::1]/", "link-local"],
    ["https://[febf:ffff::1]/", "link-local"],
    ["https://[fec0::1]/", "site-local"],
    ["https://[ff02::1]/", "multicast"],
    ["https://[2001:db8::1]/", "documentation"],
    ["https://[::ffff:127.0.0.1]/", "loopback"],
    ["https://[::ffff:7f00:1]/", "loopback"],
    ["https://[::ffff:10.0.0.1]/", "private"],
    ["https://[::ffff:169.254.169.254]/", "link-local"],
    ["https://[::ffff:192.168.0.1]/", "private"],
    ["https://[::127.0.0.1]/", "loopback"],
    ["https://[64:ff9b::10.0.0.1]/", "private"],
    ["https://[2002:7f00:1::]/", "loopback"],
    ["https://[2002:c0a8:101::1]/", "private"],
  ])("refuses the IPv6 literal %s (%s)", (url, kind) => {
    expect(production(url)).toMatch(new RegExp(`is not public \\(${kind}\\)$`));
  });

  // Finding 8: SSRF guard gaps in production.
  it.each([
    ["https://[::ffff:0:127.0.0.1]/", "loopback"],
    ["https://[::ffff:0:a00:1]/", "private"],
    ["https://[0:0:0:0:ffff:0:a9fe:a9fe]/", "link-local"],
    ["https://[::ffff:0:192.168.1.1]/", "private"],
    ["https://[2001:2::1]/", "IETF protocol assignment"],
    ["https://[2001:2:0:ffff::1]/", "IETF protocol assignment"],
    ["https://[2001:10::1]/", "IETF protocol assignment"],
    ["https://[2001:1f:ffff::1]/", "IETF protocol assignment"],
    ["https://[2001:20::1]/", "IETF protocol assignment"],
    ["https://[2001:2f:ffff::1]/", "IETF protocol assignment"],
    ["https://[2001::1]/", "IETF protocol assignment"],
    ["https://[3fff::1]/", "documentation"],
    ["https://[3fff:fff:ffff::1]/", "documentation"],
    ["https://[5f00::1]/", "segment routing"],
    ["https://[5f00:ffff::1]/", "segment routing"],
  ])("finding 8: refuses the IPv4-translated or IANA special-purpose IPv6 literal %s (%s)", (url, kind) => {
    expect(production(url)).toMatch(new RegExp(`is not public \\(${kind}\\)$`));
  });

  it("refuses every IPv4 literal in 127/8, 10/8 and 192.168/16, however written", () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const blocked = fc.oneof(
      fc.tuple(fc.constant(127), octet, octet, octet),
      fc.tuple(fc.constant(10), octet, octet, octet),
      fc.tuple(fc.constant(192), fc.constant(168), octet, octet),
    );
    fc.assert(
      fc.property(blocked, fc.constantFrom("dotted", "decimal", "hex", "mapped"), (parts, spelling) => {
        const value = parts.reduce((acc, part) => acc * 256 + part, 0);
        const host = {
          dotted: parts.join("."),
          decimal: String(value),
          hex: `0x${value.toString(16)}`,
          mapped: `[::ffff:${parts.join(".")}]`,
        }[spelling];
        expect(production(`https://${host}/hook`)).toMatch(/is not public \((loopback|private)\)$/);
      }),
    );
  });
});
