import { expect } from "vitest";
import type { ErrorBody } from "../../src/contracts/errors";
import { json } from "./api";

/** Asserts the contract's error body (docs/api-notes.md "Conventions") and returns it. */
export async function expectError(res: Response, status: number, path?: string): Promise<ErrorBody> {
  expect(res.status).toBe(status);
  const payload = await json<ErrorBody>(res);
  expect(payload.statusCode).toBe(status);
  expect(payload.path).toMatch(path === undefined ? /^\/v2\// : new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
  expect(new Date(payload.timestamp).toISOString()).toBe(payload.timestamp);
  expect(typeof payload.message).toBe("string");
  return payload;
}

/** A 400 whose message starts with "Validation failed" and whose details name `detailPath`. */
export async function expectValidationError(res: Response, detailPath?: string | RegExp): Promise<ErrorBody> {
  const payload = await expectError(res, 400);
  expect(payload.message).toMatch(/^Validation failed/);
  expect(payload.details?.length ?? 0).toBeGreaterThan(0);
  if (detailPath !== undefined) {
    expect(payload.details!.map((d) => d.path)).toContainEqual(
      typeof detailPath === "string" ? detailPath : expect.stringMatching(detailPath),
    );
  }
  return payload;
}

export const isoMs = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
