// A real headless Chromium for the page tests: @sparticuz/chromium brings the browser from npm
// (no apt step), playwright-core drives it. Without `--single-process`, so a test may open and
// close several contexts. `requestsTo` records every request a page makes, to prove it never
// leaves the server's origin. `axeViolations` runs axe-core in the page; the CSP forbids inline
// scripts, so axe runs in a context that bypasses it, and only there.

import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import chromium from "@sparticuz/chromium";
import { type Browser, type BrowserContext, type Page, chromium as playwright } from "playwright-core";
import { ROOT } from "./server";

export async function launchBrowser(): Promise<Browser> {
  return playwright.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args.filter((arg) => arg !== "--single-process"),
    headless: true,
  });
}

/** Every URL a context requested, in order, WebSockets included (Playwright reports those apart). */
export function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on("request", (request) => urls.push(request.url()));
  context.on("page", (page) => page.on("websocket", (socket) => urls.push(socket.url())));
  return urls;
}

/** The URLs among `urls` that are not on `origin` (http or ws). */
export function foreignRequests(urls: string[], origin: string): string[] {
  const host = new URL(origin).host;
  return urls.filter((url) => {
    const parsed = new URL(url);
    return parsed.host !== host && parsed.protocol !== "data:" && parsed.protocol !== "about:";
  });
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = require.resolve("axe-core/axe.min.js");

/**
 * axe-core's serious and critical violations of the page as it stands (WCAG 2.x A and AA rules).
 * The page's context must be opened with `bypassCSP: true`: axe is injected as a script.
 */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string; nodes: number }[]> {
  await page.addScriptTag({ path: AXE_SOURCE });
  // A string, run in the page: this Node project has no DOM types.
  const result = (await page.evaluate(
    `axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })`,
  )) as { violations: { id: string; impact: string; nodes: unknown[] }[] };
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
}

/**
 * Saves a full-page screenshot as <name>.png: into docs/screenshots (shown in the README) with
 * UPDATE_SCREENSHOTS=1, else into a temporary folder, so a plain test run leaves the tree clean.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.UPDATE_SCREENSHOTS === "1" ? path.join(ROOT, "docs", "screenshots") : path.join(tmpdir(), "dispatch-screenshots");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** Viewports the pages must work at: a small phone and a laptop. */
export const VIEWPORTS = { phone: { width: 360, height: 740 }, desktop: { width: 1280, height: 800 } } as const;
