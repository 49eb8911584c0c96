import { createMiddleware } from "hono/factory";
import type { Role } from "../../contracts/common";
import type { AppEnv } from "../app-env";
import { forbidden } from "../http-error";
import { withSpec } from "../route-spec";

/*
 * Role gates. Place them AFTER the route's validators: docs/api.md orders checks 401 → 400 → 403,
 * so a malformed request is reported as such even by a caller who may not make it.
 */

/** Only the listed roles may pass. */
export const allow = (...roles: Role[]) =>
  withSpec(
    createMiddleware<AppEnv>(async (c, next) => {
      const { role } = c.get("caller");
      if (!roles.includes(role)) throw forbidden(`role "${role}" may not use this route`);
      await next();
    }),
    { roles },
  );

/**
 * A driver may pass only for its own id in `:paramName` (drivers act on themselves);
 * any other role passes when listed.
 */
export const selfOr = (paramName: string, ...roles: Role[]) =>
  withSpec(
    createMiddleware<AppEnv>(async (c, next) => {
      const { role, sub } = c.get("caller");
      if (role === "driver") {
        if (c.req.param(paramName) !== sub) throw forbidden("a driver may only act on itself");
      } else if (!roles.includes(role)) {
        throw forbidden(`role "${role}" may not use this route`);
      }
      await next();
    }),
    { roles: ["driver", ...roles], self: paramName },
  );
