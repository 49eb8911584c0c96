/**
 * The two pages as the Worker renders them (docs/api-notes.md "Pages"): first paint, the invalid-link
 * page, and their headers. The browser tests in test/e2e drive them for real.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newOrg } from "../helpers/api";

const page = (path: string) => exports.default.fetch(new Request(`https://dispatch.test${path}`));

const strictPageHeaders = (res: Response) => {
  expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
  const csp = res.headers.get("Content-Security-Policy") ?? "";
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
};

describe("GET /track/:orderId", () => {
  it("paints the order for its token: store, status, masked phone, scripts and styles only from /assets", async () => {
    const o = await newOrg();
    const driver = await o.addDriver({ name: "Asha Kumar", phone: "+919876543210" });
    await o.admin.post(`/drivers/${driver.id}/availability/resume`);
    const delivery = await o.addDelivery({ storeName: "Green Grocer" });
    const res = await page(`/track/${delivery.orderId}?token=${delivery.trackingToken}`);
    expect(res.status).toBe(200);
    strictPageHeaders(res);
    const html = await res.text();
    expect(html).toContain("Green Grocer");
    expect(html).toContain("Order received");
    expect(html).toMatch(/<script type="module" src="\/assets\/tracking-[A-Z0-9]+\.js"/);
    expect(html).toMatch(/<link rel="stylesheet" href="\/assets\/pages-[A-Z0-9]+\.css"/);
    expect(html).not.toContain("9876543210");
    expect(html).not.toMatch(/<script>|<script type="module">|style="/);
  });

  it("answers one invalid-link page, 401, for a wrong token, a made-up order and no token", async () => {
    const o = await newOrg();
    const delivery = await o.addDelivery({ storeName: "Secret Store" });
    const answers = [
      await page(`/track/${delivery.orderId}?token=${"x".repeat(43)}`),
      await page(`/track/ORD-made-up?token=${delivery.trackingToken}`),
      await page(`/track/${delivery.orderId}`),
    ];
    const bodies = [];
    for (const res of answers) {
      expect(res.status).toBe(401);
      strictPageHeaders(res);
      bodies.push(await res.text());
    }
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).toContain("not valid or has expired");
    expect(bodies[0]).not.toContain("Secret Store");
    expect(bodies[0]).not.toContain(delivery.orderId);
  });
});

describe("GET /console", () => {
  it("serves the console shell with its script and the strict page headers", async () => {
    const res = await page("/console");
    expect(res.status).toBe(200);
    strictPageHeaders(res);
    expect(await res.text()).toMatch(/<script type="module" src="\/assets\/console-[A-Z0-9]+\.js"/);
  });
});

describe("GET /docs", () => {
  it("serves the API reference shell with its own script and Swagger UI's styles from /assets", async () => {
    const res = await page("/docs");
    expect(res.status).toBe(200);
    strictPageHeaders(res);
    const html = await res.text();
    expect(html).toMatch(/<script type="module" src="\/assets\/docs-[A-Z0-9]+\.js"/);
    expect(html).toMatch(/href="\/assets\/docs-styles-[A-Z0-9]+\.css"/);
    expect(html).toContain('href="/v2/openapi.json"');
  });
});

describe("hostile input to the pages", () => {
  it("any order id and token answer the 401 page or a 404, never a 5xx", async () => {
    const { default: fc } = await import("fast-check");
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", maxLength: 80 }), fc.string({ unit: "binary", maxLength: 300 }), async (orderId, token) => {
        const res = await page(`/track/${encodeURIComponent(orderId)}?token=${encodeURIComponent(token)}`);
        expect([401, 404]).toContain(res.status);
        if (res.status === 401) expect(await res.text()).toContain("not valid or has expired");
        else await res.body?.cancel();
      }),
      { numRuns: 150 },
    );
  });
});
