// The ops console in a real browser against the README's `npm start` (demo seed): refused tokens
// show the API's message; an admin runs the demo zone from its live board (a delivery created
// through the API shows up without a reload, a manual offer is made, the driver accepts through
// the API and the board shows the assignment, an unassigned order is escalated and its ticket
// resolved); the page never leaves its origin, axe finds nothing serious, and the screenshots
// for the README are taken at 360 and 1280 px.

import { randomUUID } from "node:crypto";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error scripts/seed-demo.mjs is plain JavaScript without type declarations
import { DEMO_ORG_ID, DEMO_ZONE } from "../../scripts/seed-demo.mjs";
import { axeViolations, foreignRequests, launchBrowser, recordRequests, screenshot, VIEWPORTS } from "./browser";
import { type Server, startServer, token } from "./server";

/** Anything the socket or an action brings (well under the console's 10 s safety refresh). */
const LIVE_WITHIN_MS = 8_000;

let server: Server;
let browser: Browser;
let admin: string;
let zoneId: string;
let asha: { id: string; token: string };
let ravi: { id: string };
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  admin = await token("admin", DEMO_ORG_ID);
  const zones = await server.request("GET", "/v2/admin/zones", admin);
  zoneId = zones.json.zones.find((z: { name: string }) => z.name === DEMO_ZONE.name).id;
  const board = await server.request("GET", `/v2/admin/zones/${zoneId}/board`, admin);
  const byName = (name: string) => board.json.drivers.find((d: { name: string }) => d.name === name).id as string;
  asha = { id: byName("Asha Rao"), token: await token("driver", DEMO_ORG_ID, byName("Asha Rao")) };
  ravi = { id: byName("Ravi Kumar") };
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await server?.stop();
});

/** A page in a fresh context (its own sessionStorage), with every request and socket it opens recorded. */
async function openConsole(options: { bypassCSP?: boolean; hash?: string } = {}) {
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, bypassCSP: options.bypassCSP ?? false });
  contexts.push(context);
  const urls = recordRequests(context);
  const page = await context.newPage();
  page.on("websocket", (socket) => urls.push(socket.url()));
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(String(error.stack)));
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  await page.goto(`${server.baseUrl}/console${options.hash ?? ""}`);
  return { page, urls, problems };
}

async function signIn(page: Page, bearer: string) {
  await page.getByLabel("Ops or admin token").fill(bearer);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const storedTokens = (page: Page) => page.evaluate("Object.keys(sessionStorage).length") as Promise<number>;

/** The row of `table` with a cell that reads exactly `text`. */
const row = (page: Page, table: string, text: string) =>
  page.locator(`#${table} tbody tr[data-id]`).filter({ has: page.locator("th, td").getByText(text, { exact: true }) });

/** Opens the actions of `table`'s row that holds `text` and answers the row of its forms. */
async function actionsOf(page: Page, table: string, text: string) {
  const target = row(page, table, text);
  await target.getByRole("button", { name: /^Actions for/ }).click();
  const id = await target.getAttribute("data-id");
  return page.locator(`tr[data-actions-for="${id}"]`);
}

describe("ops console", () => {
  it("refuses a driver token with the API's message and shows another org nothing of this one", async () => {
    const { page, urls, problems } = await openConsole({ hash: `#zone=${zoneId}` });
    await signIn(page, asha.token);
    await page.locator("#sign-in-error", { hasText: 'role "driver" may not use this route' }).waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await storedTokens(page)).toBe(0);

    // An ops token of another organization signs in, but this org's zone does not exist for it.
    await signIn(page, await token("ops", randomUUID()));
    await page.locator("#no-zones").waitFor({ timeout: LIVE_WITHIN_MS });
    await page.locator("#board-error", { hasText: "Zone not found" }).waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await page.getByText(DEMO_ZONE.name).count()).toBe(0);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Ops or admin token").waitFor();
    expect(await storedTokens(page)).toBe(0);
    expect(foreignRequests(urls, server.baseUrl)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("runs the demo zone live: new delivery, manual offer, accept, escalation, ticket", async () => {
    const { page, urls, problems } = await openConsole();
    await signIn(page, admin);
    await page.getByRole("link", { name: DEMO_ZONE.name }).click();
    await page.getByRole("heading", { level: 2, name: DEMO_ZONE.name }).waitFor({ timeout: LIVE_WITHIN_MS });
    await page.locator("#connection", { hasText: "Live" }).waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await storedTokens(page)).toBe(1);
    expect(urls.some((url) => url.startsWith(`${server.wsUrl}/v2/admin/zones/${zoneId}/ws`))).toBe(true);

    // A driver starts work: the socket brings the change.
    const resumed = await server.request("POST", `/v2/drivers/${asha.id}/availability/resume`, asha.token);
    expect(resumed.status).toBe(200);
    await row(page, "drivers", "Asha Rao").locator("td", { hasText: "available" }).first().waitFor({ timeout: LIVE_WITHIN_MS });

    // Two orders arrive while the page is open: one for ops to place, one nobody can take (no
    // driver of the zone has a car), which becomes an unassigned order. The ops stream's
    // delivery_created event brings both, sooner than the 10 s safety refresh could.
    const service = await token("service", DEMO_ORG_ID);
    const order = `CONSOLE-${Date.now()}`;
    const stuck = `${order}-CAR`;
    const placed = await server.request("POST", "/v2/deliveries", service, {
      sellerOrderId: order,
      storeName: "Console Test Store",
      pickup: { lat: 12.972, lon: 77.596 },
      dropoff: { lat: 12.95, lon: 77.62 },
      dispatch: "manual",
    });
    const waiting = await server.request("POST", "/v2/deliveries", service, {
      sellerOrderId: stuck,
      storeName: "Console Test Store",
      pickup: { lat: 12.972, lon: 77.596 },
      dropoff: { lat: 12.95, lon: 77.62 },
      requirements: { vehicleTypes: ["car"] },
    });
    expect([placed.status, waiting.status]).toEqual([201, 201]);
    await row(page, "deliveries", order).first().waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await row(page, "deliveries", order).first().locator(".status-cell").textContent()).toBe("ready");
    await row(page, "unassigned", stuck).waitFor({ timeout: LIVE_WITHIN_MS });
    // The socket brought it: only the stream's delivery_created event writes this feed line.
    await page.locator("#feed li", { hasText: `New order ${order} from Console Test Store (manual dispatch)` }).waitFor({ timeout: LIVE_WITHIN_MS });

    // A manual offer to an offline driver is refused with the API's reason; to Asha it goes out.
    const mine = page.locator(`#deliveries tr[data-id="${placed.json.id}"]`);
    const offerForms = await actionsOf(page, "deliveries", order);
    await offerForms.getByLabel("Offer to driver").selectOption(ravi.id);
    await offerForms.getByRole("button", { name: "Send offer" }).click();
    await offerForms.locator(".error", { hasText: "Driver is offline, not available" }).waitFor({ timeout: LIVE_WITHIN_MS });
    await offerForms.getByLabel("Offer to driver").selectOption(asha.id);
    await offerForms.getByRole("button", { name: "Send offer" }).click();
    await offerForms.getByText("Offered to Asha Rao").waitFor({ timeout: LIVE_WITHIN_MS });
    const offerRow = row(page, "offers", order);
    await offerRow.waitFor({ timeout: LIVE_WITHIN_MS });
    expect(await offerRow.textContent()).toContain("Asha Rao");
    expect(await offerRow.locator(".countdown").textContent()).toMatch(/^\d+ s left$/);

    // The driver accepts through the API; the board shows the assignment and the feed says so.
    const offers = await server.request("GET", `/v2/drivers/${asha.id}/offers?status=PENDING`, asha.token);
    const offer = offers.json.offers.find((o: { deliveryId: string }) => o.deliveryId === placed.json.id);
    const accepted = await server.request("POST", `/v2/drivers/${asha.id}/offers/${offer.id}/accept`, asha.token);
    expect(accepted.status).toBe(200);
    await mine.locator(".status-cell", { hasText: "assigned" }).waitFor({ timeout: LIVE_WITHIN_MS });
    await mine.locator(".driver-cell", { hasText: "Asha Rao" }).waitFor({ timeout: LIVE_WITHIN_MS });
    await offerRow.waitFor({ state: "detached", timeout: LIVE_WITHIN_MS });
    await page.locator("#feed li", { hasText: `Asha Rao accepted ${order}` }).waitFor({ timeout: LIVE_WITHIN_MS });
    await row(page, "drivers", "Asha Rao").locator("td", { hasText: "busy" }).first().waitFor({ timeout: LIVE_WITHIN_MS });

    // Escalate the stuck order to level 1: a support ticket opens; resolving it takes it off the board.
    const escalateForm = await actionsOf(page, "unassigned", stuck);
    await escalateForm.getByLabel("Level").selectOption("1");
    await escalateForm.getByLabel("Reason", { exact: true }).fill("VIP customer");
    await escalateForm.getByRole("button", { name: "Escalate" }).click();
    await escalateForm.getByText("Escalated to level 1; a support ticket is open.").waitFor({ timeout: LIVE_WITHIN_MS });
    await row(page, "unassigned", stuck).locator(".level", { hasText: "1" }).waitFor({ timeout: LIVE_WITHIN_MS });
    await page.locator("#feed li", { hasText: `${stuck} escalated to level 1` }).waitFor({ timeout: LIVE_WITHIN_MS });
    const ticket = row(page, "tickets", stuck);
    await ticket.waitFor({ timeout: LIVE_WITHIN_MS });
    const ticketId = await ticket.getAttribute("data-id");
    const resolveForm = await actionsOf(page, "tickets", stuck);
    await resolveForm.getByLabel("Resolution (optional)").fill("Courier partner took it");
    await resolveForm.getByRole("button", { name: "Resolve" }).click();
    await ticket.waitFor({ state: "detached", timeout: LIVE_WITHIN_MS });
    const resolved = await server.request("GET", `/v2/admin/support-tickets?status=RESOLVED&zoneId=${zoneId}`, admin);
    expect(resolved.json.tickets.find((t: { id: string }) => t.id === ticketId)?.resolution).toBe("Courier partner took it");

    // A settings change the API refuses shows its reason.
    await page.locator("summary", { hasText: "Zone settings" }).click();
    await page.getByLabel("Widened radius (km)").fill("1");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.locator("form.settings .error", { hasText: "widenedRadiusKm must not be below searchRadiusKm" }).waitFor({ timeout: LIVE_WITHIN_MS });

    // Zone health on the board: a threshold no zone meets raises an alert live, on the board and in the feed.
    expect(await page.locator("#health-score").textContent()).toMatch(/^\d+ \/ 100$/);
    const strict = await server.request("PATCH", `/v2/admin/zones/${zoneId}/settings`, admin, { alerts: { minHealthScore: 100 } });
    expect(strict.status).toBe(200);
    await page.locator("#zone-alerts", { hasText: "below 100" }).waitFor({ timeout: LIVE_WITHIN_MS });
    await page.locator("#feed li", { hasText: "Alert: health score" }).waitFor({ timeout: LIVE_WITHIN_MS });
    expect((await server.request("PATCH", `/v2/admin/zones/${zoneId}/settings`, admin, { alerts: { minHealthScore: 50 } })).status).toBe(200);

    expect(foreignRequests(urls, server.baseUrl)).toEqual([]);
    expect(problems).toEqual([]);

    // Readable at both sizes: nothing wider than the phone's screen (tables scroll inside their panels).
    await screenshot(page, "console-1280");
    await page.setViewportSize(VIEWPORTS.phone);
    expect(await page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")).toBeLessThanOrEqual(VIEWPORTS.phone.width);
    await screenshot(page, "console-360");
  });

  it("has no serious or critical axe violations at 360 and 1280 px, forms open", async () => {
    const { page } = await openConsole({ bypassCSP: true, hash: `#zone=${zoneId}` });
    await signIn(page, admin);
    await page.locator("#connection", { hasText: "Live" }).waitFor({ timeout: LIVE_WITHIN_MS });
    // Every action form open too, so axe checks them as well.
    await page.locator("#deliveries").waitFor({ timeout: LIVE_WITHIN_MS });
    const closed = page.getByRole("button", { name: /^Actions for/ });
    while ((await closed.count()) > 0) await closed.first().click();
    await page.locator("summary", { hasText: "Zone settings" }).click();
    for (const viewport of [VIEWPORTS.desktop, VIEWPORTS.phone]) {
      await page.setViewportSize(viewport);
      expect(await axeViolations(page)).toEqual([]);
    }
  });
});
