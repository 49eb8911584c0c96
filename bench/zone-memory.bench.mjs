#!/usr/bin/env node
// Zone memory accounting: runs bench/zone-memory.ts with tsx in this Node (see that file for what
// it measures). Env: BENCH_MEMORY_DRIVERS, BENCH_MEMORY_DELIVERIES.
import { runTs } from "./run-ts.mjs";

runTs("zone-memory");
