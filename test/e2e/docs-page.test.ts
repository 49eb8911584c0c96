// GET /docs in a real browser: Swagger UI from the npm package renders this service's own
// OpenAPI document, with no request to another origin.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VIEWPORTS, foreignRequests, launchBrowser, recordRequests } from "./browser";
import { type Server, startServer } from "./server";

let server: Server;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ seed: false });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("GET /docs", () => {
  it("renders the interactive reference of /v2/openapi.json offline", async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const requests = recordRequests(context);
    try {
      const page = await context.newPage();
      expect((await page.goto(`${server.baseUrl}/docs`))?.status()).toBe(200);
      await page.locator(".opblock-summary-path", { hasText: "/v2/deliveries" }).first().waitFor({ timeout: 15_000 });
      expect(await page.locator(".opblock").count()).toBeGreaterThan(35);
      expect(await page.locator(".info .title").textContent()).toContain("Dispatch v2");
      expect(requests).toContain(`${server.baseUrl}/v2/openapi.json`);
      expect(foreignRequests(requests, server.baseUrl)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
