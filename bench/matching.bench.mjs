#!/usr/bin/env node
// Matching benchmark: runs bench/matching.ts with tsx in this Node (see that file for what it
// measures). Env: BENCH_MATCHING_SECONDS, BENCH_MATCHING_SIZES.
import { runTs } from "./run-ts.mjs";

runTs("matching");
