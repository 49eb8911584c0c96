/*
 * The console's only way to the service: the public API on this origin, with the operator's
 * token. Every refusal carries the API's own message (its error body), so the page shows what
 * the service said rather than a guess of ours.
 */
import { createContext, useContext } from "hono/jsx/dom";
import type { ErrorBody } from "../../../contracts/errors";

export interface Api {
  get<T>(path: string): Promise<T>;
  send<T>(method: "POST" | "PATCH", path: string, body: unknown): Promise<T>;
}

/** The API's message from its error body. */
async function messageFrom(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as Partial<ErrorBody>;
    if (typeof body.message === "string") return body.message;
  } catch {
    // not the API's error body (a proxy or the runtime answered): fall through
  }
  return `The service answered HTTP ${res.status}`;
}

/**
 * A client for `token`. `onUnauthorized` hears every 401: the token expired or was revoked
 * while the page was open, and no other call will succeed with it.
 */
export function apiClient(token: string, onUnauthorized: (message: string) => void): Api {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: "application/json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new Error("The service could not be reached");
    }
    if (!res.ok) {
      const message = await messageFrom(res);
      if (res.status === 401) onUnauthorized(message);
      throw new Error(message);
    }
    return (await res.json()) as T;
  };
  return {
    get: (path) => call("GET", path),
    send: (method, path, body) => call(method, path, body),
  };
}

/** The message to show for a failed call. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const ApiContext = createContext<Api | null>(null);

/** The signed-in client; every component below the console's root has one. */
export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error("useApi outside the signed-in console");
  return api;
}
