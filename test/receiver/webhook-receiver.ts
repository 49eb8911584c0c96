/**
 * A real HTTP receiver for the ops webhook and the delivery webhooks, run in Node by vitest.config.ts while the runtime
 * tests run in workerd: zone objects POST to it over the loopback network, it checks each
 * signature itself (node:crypto: `sha256=<hex>` of the ops webhook, `t=<s>,v1=<hex>` of the
 * delivery webhooks) and records what it got.
 *
 *   POST /hooks/<name>?fail=N   answers 500 to the first N requests of <name>, then 204
 *        …&delayMs=M            answers only after M ms (a slow receiver)
 *   GET  /log/<name>            what <name> received: [{ headers, body, signatureValid }]
 *   POST /promtool              runs `promtool check metrics` on the body (a scrape), since the
 *                               runtime tests cannot start processes: { available, required, exitCode, output }
 *                               (`required`: REQUIRE_PROMTOOL=1, so a missing promtool fails instead of skipping)
 */
import { spawn } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** The secret tests give the org's webhook settings; the receiver verifies signatures with it. */
export const RECEIVER_SECRET = "receiver-test-secret-0123456789";

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  signatureValid: boolean;
}

function signatureValid(body: string, header: string | string[] | undefined): boolean {
  const text = typeof header === "string" ? header : "";
  const t = /^t=(\d+),v1=/.exec(text)?.[1];
  const expected = Buffer.from(
    t === undefined
      ? `sha256=${createHmac("sha256", RECEIVER_SECRET).update(body).digest("hex")}`
      : `t=${t},v1=${createHmac("sha256", RECEIVER_SECRET).update(`${t}.${body}`).digest("hex")}`,
  );
  const given = Buffer.from(text);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** What `promtool check metrics` says of an exposition; `available: false` when promtool is not on PATH. */
function promtoolCheck(text: string): Promise<{ available: boolean; exitCode: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (error: NodeJS.ErrnoException) => resolve({ available: error.code !== "ENOENT", exitCode: null, output: String(error) }));
    child.on("close", (exitCode) => resolve({ available: true, exitCode, output }));
    // A promtool that is missing or exits early must not take the receiver down with EPIPE.
    child.stdin.on("error", () => {});
    child.stdin.end(text);
  });
}

/** Starts the receiver on a free loopback port; answers its base URL. */
export async function startWebhookReceiver(): Promise<string> {
  const log = new Map<string, Received[]>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    const [, route, name = ""] = url.pathname.split("/");
    if (req.method === "GET" && route === "log") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(log.get(name) ?? []));
      return;
    }
    if (req.method === "POST" && route === "promtool") {
      const checked = await promtoolCheck(await readBody(req));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ...checked, required: process.env.REQUIRE_PROMTOOL === "1" }));
      return;
    }
    if (req.method !== "POST" || route !== "hooks") {
      res.writeHead(404).end();
      return;
    }
    const body = await readBody(req);
    const received = log.get(name) ?? [];
    received.push({ headers: req.headers, body, signatureValid: signatureValid(body, req.headers["x-dispatch-signature"]) });
    log.set(name, received);
    const failFirst = Number(url.searchParams.get("fail") ?? 0);
    const delayMs = Number(url.searchParams.get("delayMs") ?? 0);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    res.writeHead(received.length <= failFirst ? 500 : 204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
