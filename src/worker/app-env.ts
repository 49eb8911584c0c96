import type { Role } from "../contracts/common";
import type { Env } from "./env";

/** Who is calling, from a verified token (docs/api.md "Authentication and roles"). */
export interface Caller {
  sub: string;
  role: Role;
  org: string;
}

export type AppEnv = {
  Bindings: Env;
  Variables: {
    caller: Caller;
    requestId: string;
    /** The W3C trace this request belongs to (middleware/request-log.ts). */
    traceId: string;
  };
};
