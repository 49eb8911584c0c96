import { exports } from "cloudflare:workers";
import type { Role } from "../../src/contracts/common";
import { answerProblems } from "./answer-contract";
import { squarePolygon } from "./geometry";
import { mintToken } from "./tokens";

/** A caller of the real Worker (through its default export), holding one token. */
export interface Client {
  org: string;
  sub: string;
  role: Role;
  token: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  patch(path: string, body: unknown): Promise<Response>;
  put(path: string, body: unknown): Promise<Response>;
  delete(path: string): Promise<Response>;
}

/** A request to the API (`/v2` + `path`) with whatever Authorization header, or none, a test wants. */
export function apiRequest(method: string, path: string, authorization?: string, body?: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`https://dispatch.test/v2${path}`, {
    method,
    headers: {
      ...(authorization === undefined ? {} : { authorization }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/**
 * `apiRequest` sent to the real Worker (through its default export); a JSON answer is checked
 * against the OpenAPI document's schema for its route and status (answer-contract.ts).
 */
export async function send(...request: Parameters<typeof apiRequest>): Promise<Response> {
  const req = apiRequest(...request);
  const res = await exports.default.fetch(req);
  if (res.headers.get("Content-Type")?.startsWith("application/json")) {
    const problems = answerProblems(req.method, new URL(req.url).pathname, res.status, await res.clone().json());
    if (problems) throw new Error(`${req.method} ${new URL(req.url).pathname} → ${res.status} breaks the OpenAPI document:\n${problems.join("\n")}`);
  }
  return res;
}

export async function client(role: Role, org: string, sub: string = crypto.randomUUID()): Promise<Client> {
  const token = await mintToken({ role, org, sub });
  const as = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    send(method, path, `Bearer ${token}`, body, headers);
  return {
    org,
    sub,
    role,
    token,
    get: (path, headers) => as("GET", path, undefined, headers),
    post: (path, body, headers) => as("POST", path, body, headers),
    patch: (path, body) => as("PATCH", path, body),
    put: (path, body) => as("PUT", path, body),
    delete: (path) => as("DELETE", path),
  };
}

export const BENGALURU = { lat: 12.95, lon: 77.6 };

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** An org with an admin, one zone around BENGALURU, and helpers to add drivers and deliveries. */
export async function newOrg(settings: Record<string, unknown> = {}) {
  const org = crypto.randomUUID();
  const admin = await client("admin", org);
  const res = await admin.post("/admin/zones", { name: "Central", polygon: squarePolygon(BENGALURU), settings });
  if (res.status !== 201) throw new Error(`zone create failed: ${res.status} ${await res.text()}`);
  const zone = await json(res);
  const service = await client("service", org);
  const ops = await client("ops", org);

  async function addDriver(overrides: Record<string, unknown> = {}) {
    const r = await admin.post("/admin/drivers", {
      name: "Test Driver",
      phone: "+919876543210",
      vehicle: "Honda Activa",
      vehicleType: "scooter",
      zoneId: zone.id,
      location: { lat: 12.95, lon: 77.6 },
      ...overrides,
    });
    if (r.status !== 201) throw new Error(`driver create failed: ${r.status} ${await r.text()}`);
    const driver = await json(r);
    return { ...driver, client: await client("driver", org, driver.id) };
  }

  async function addDelivery(overrides: Record<string, unknown> = {}) {
    const r = await service.post("/deliveries", {
      sellerOrderId: `ORD-${crypto.randomUUID().slice(0, 8)}`,
      storeName: "Downtown Market",
      pickup: { lat: 12.96, lon: 77.61 },
      dropoff: { lat: 12.98, lon: 77.63 },
      ...overrides,
    });
    if (r.status !== 201) throw new Error(`delivery create failed: ${r.status} ${await r.text()}`);
    return json(r);
  }

  return { org, admin, service, ops, zone, addDriver, addDelivery };
}
