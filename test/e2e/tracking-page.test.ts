// The customer's tracking page in a real headless Chromium against the README's `npm start`:
// first paint, live updates without reload, rating the delivery through the page's form (by
// keyboard, CSP enforced), the invalid-link page, no request to another origin, accessibility
// (axe-core) and the README's screenshots.
import { randomUUID } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VIEWPORTS, axeViolations, foreignRequests, launchBrowser, recordRequests, screenshot } from "./browser";
import { type Server, startServer, token } from "./server";

let server: Server;
let browser: Browser;

const STORE = { lat: 12.9752, lon: 77.6045 };
const HOME = { lat: 12.9611, lon: 77.6387 };

/** An org with one zone, one available driver next to the store, and a delivery that driver accepted. */
async function assignedDelivery() {
  const org = randomUUID();
  const admin = await token("admin", org);
  const zone = await server.request("POST", "/v2/admin/zones", admin, {
    name: "Tracking test",
    polygon: { type: "Polygon", coordinates: [[[77.55, 12.9], [77.65, 12.9], [77.65, 13.0], [77.55, 13.0], [77.55, 12.9]]] },
    timezone: "Asia/Kolkata",
  });
  expect(zone.status, zone.text).toBe(201);
  const driver = await server.request("POST", "/v2/admin/drivers", admin, {
    name: "Asha Rao",
    phone: "+919800004321",
    vehicle: "Honda Activa",
    vehicleType: "scooter",
    zoneId: zone.json.id,
    location: { lat: STORE.lat + 0.002, lon: STORE.lon },
  });
  expect(driver.status, driver.text).toBe(201);
  const driverToken = await token("driver", org, driver.json.id);
  const asDriver = (method: string, path: string, body?: unknown) => server.request(method, `/v2/drivers/${driver.json.id}${path}`, driverToken, body);
  expect((await asDriver("POST", "/availability/resume")).status).toBe(200);
  const delivery = await server.request("POST", "/v2/deliveries", admin, {
    sellerOrderId: `ORD-${randomUUID().slice(0, 8)}`,
    storeName: "Green Grocer",
    pickup: STORE,
    dropoff: HOME,
    customer: { name: "Priya Nair", phone: "+919811112222" },
  });
  expect(delivery.status, delivery.text).toBe(201);
  const offers = await asDriver("GET", "/offers?status=PENDING");
  expect((await asDriver("POST", `/offers/${offers.json.offers[0].id}/accept`, {})).status).toBe(200);
  return { delivery: delivery.json, asDriver };
}

beforeAll(async () => {
  server = await startServer({ seed: false });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function openPage(url: string, viewport: { width: number; height: number }, options: { bypassCSP?: boolean; javaScriptEnabled?: boolean } = {}) {
  const context = await browser.newContext({ viewport, bypassCSP: options.bypassCSP ?? false, javaScriptEnabled: options.javaScriptEnabled ?? true });
  const requests = recordRequests(context);
  const page = await context.newPage();
  const answer = await page.goto(url);
  return { context, page, requests, status: answer?.status() };
}

const markerAt = (page: Page) => page.locator("#driver-marker").evaluate((c) => `${c.getAttribute("cx")},${c.getAttribute("cy")}`);

describe("customer tracking page", () => {
  it("shows status, driver and masked phone; pickup and movement update status, ETA and marker within 2 s, without reload", async () => {
    const { delivery, asDriver } = await assignedDelivery();
    const { context, page, requests, status } = await openPage(delivery.trackingUrl, VIEWPORTS.phone);
    try {
      expect(status).toBe(200);
      await expect.poll(() => page.locator("#status").textContent()).toBe("Driver assigned");
      expect(await page.locator("h1").textContent()).toBe("Green Grocer");
      expect(await page.locator("#driver-name").textContent()).toContain("Asha R.");
      expect(await page.locator("#driver-phone").textContent()).toBe("***-***-4321");
      expect(await page.content()).not.toContain("9800004321");
      // The script is running (it replaced the server's paint and keeps "updated … ago" current).
      await page.waitForFunction(`document.querySelector("#updated")?.textContent?.startsWith("updated")`, null, { timeout: 2000 });
      let navigations = 0;
      page.on("framenavigated", () => navigations++);

      expect((await asDriver("POST", `/deliveries/${delivery.id}/status`, { status: "picked_up" })).status).toBe(200);
      await page.locator("#status", { hasText: "Picked up" }).waitFor({ timeout: 2000 });

      const markerBefore = await markerAt(page);
      const etaBefore = await page.locator("#eta-delivery").textContent();
      // 4 km further from the customer: the delivery estimate moves by about 10 minutes.
      const far = { lat: STORE.lat + 0.03, lon: STORE.lon - 0.02, recordedAt: new Date().toISOString() };
      expect((await asDriver("POST", "/location", far)).status).toBe(200);
      await expect.poll(() => markerAt(page), { timeout: 2000 }).not.toBe(markerBefore);
      await expect.poll(() => page.locator("#eta-delivery").textContent(), { timeout: 2000 }).not.toBe(etaBefore);
      expect(await page.locator("#trail").getAttribute("points")).toMatch(/^[\d.]+,[\d.]+ [\d.]+,[\d.]+/);
      expect(navigations).toBe(0);

      expect(foreignRequests(requests, server.baseUrl)).toEqual([]);
      expect(requests.some((url) => url.startsWith(server.wsUrl) && url.includes("/ws?"))).toBe(true);
      await screenshot(page, "tracking-360");
    } finally {
      await context.close();
    }
  });

  it("once delivered, the customer rates with the keyboard; the thank-you replaces the form, also after a reload", async () => {
    const { delivery, asDriver } = await assignedDelivery();
    const { context, page, requests } = await openPage(delivery.trackingUrl, VIEWPORTS.phone);
    try {
      expect(await page.locator("#rating-form").count()).toBe(0);
      for (const status of ["picked_up", "in_transit", "delivered"]) {
        expect((await asDriver("POST", `/deliveries/${delivery.id}/status`, { status })).status).toBe(200);
      }
      await page.locator("#status", { hasText: "Delivered" }).waitFor({ timeout: 2000 });
      await page.locator("#rating-form").waitFor({ timeout: 2000 });
      // A radio group: focus it, arrow keys choose, Tab moves on to the comment, then the button.
      await page.getByLabel("1 star", { exact: true }).focus();
      for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
      expect(await page.getByLabel("4 stars").isChecked()).toBe(true);
      await page.keyboard.press("Tab");
      expect(await page.evaluate("document.activeElement?.id")).toBe("rating-comment");
      await page.keyboard.type("Quick and friendly");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      await page.locator("#rating-thanks").waitFor({ timeout: 2000 });
      expect(await page.locator("#rating-thanks").textContent()).toBe("You rated this delivery 4 out of 5.");
      expect(await page.locator("#rating-form").count()).toBe(0);
      expect(requests.some((url) => url.includes(`/v2/orders/${delivery.orderId}/rating?token=`))).toBe(true);
      expect(foreignRequests(requests, server.baseUrl)).toEqual([]);

      await page.reload();
      await page.locator("#rating-thanks").waitFor({ timeout: 2000 });
      expect(await page.locator("#rating-form").count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it("the rating form has no serious or critical accessibility violations (axe-core)", async () => {
    const { delivery, asDriver } = await assignedDelivery();
    for (const status of ["picked_up", "in_transit", "delivered"]) {
      expect((await asDriver("POST", `/deliveries/${delivery.id}/status`, { status })).status).toBe(200);
    }
    const { context, page } = await openPage(delivery.trackingUrl, VIEWPORTS.desktop, { bypassCSP: true });
    try {
      await page.locator("#rating-form").waitFor({ timeout: 2000 });
      expect(await axeViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("is useful with scripts blocked: the server's first paint has the status, times, driver and schematic", async () => {
    const { delivery } = await assignedDelivery();
    const { context, page, status } = await openPage(delivery.trackingUrl, VIEWPORTS.phone, { javaScriptEnabled: false });
    try {
      expect(status).toBe(200);
      expect(await page.locator("#status").textContent()).toBe("Driver assigned");
      expect(await page.locator("#eta-delivery").textContent()).toMatch(/^\d{2}:\d{2}$/);
      expect(await page.locator("#driver-phone").textContent()).toBe("***-***-4321");
      expect(await page.locator("#schematic #driver-marker").count()).toBe(1);
    } finally {
      await context.close();
    }
  });

  it("a wrong token or a made-up order shows the same invalid-link page, 401, and no order data", async () => {
    const { delivery } = await assignedDelivery();
    const pages: string[] = [];
    for (const url of [
      `${server.baseUrl}/track/${delivery.orderId}?token=${"A".repeat(43)}`,
      `${server.baseUrl}/track/NO-SUCH-ORDER?token=${delivery.trackingToken}`,
    ]) {
      const { context, page, status, requests } = await openPage(url, VIEWPORTS.phone);
      try {
        expect(status).toBe(401);
        expect(await page.locator("h1").textContent()).toBe("This tracking link is not valid or has expired");
        const html = await page.content();
        expect(html).not.toContain("Green Grocer");
        expect(html).not.toContain("Asha");
        pages.push(await page.locator("main").innerHTML());
        expect(foreignRequests(requests, server.baseUrl)).toEqual([]);
      } finally {
        await context.close();
      }
    }
    expect(pages[0]).toBe(pages[1]);
  });

  it("has no serious or critical accessibility violations (axe-core), on the page and the invalid-link page; 1280 px screenshot", async () => {
    const { delivery } = await assignedDelivery();
    for (const url of [delivery.trackingUrl, `${server.baseUrl}/track/${delivery.orderId}?token=bad`]) {
      const { context, page } = await openPage(url, VIEWPORTS.desktop, { bypassCSP: true });
      try {
        await page.waitForLoadState("networkidle");
        expect(await axeViolations(page), url).toEqual([]);
        if (url === delivery.trackingUrl) await screenshot(page, "tracking-1280");
      } finally {
        await context.close();
      }
    }
  });
});
