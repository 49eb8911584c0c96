import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/** Placeholder until the API routes land; paths are relative to `/v2`. */
export const routes = new Hono<AppEnv>();
