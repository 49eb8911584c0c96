#!/usr/bin/env node
// Driver simulator and load generator (`npm run simulate -- --help`): against a running server
// (default the local `npm start`), it creates its own drivers in a zone (default the demo zone of
// the demo org), connects their sockets, moves them along great-circle paths, answers offers and
// delivers, while an order service creates deliveries at a steady rate. A live line on stderr;
// at the end a summary (latencies, errors by kind, exactly-once checks), `--json` for machines.
//
// Exit codes: 0 every check held; 1 a check failed, deliveries were left undelivered or not
// created, or the run could not start; 2 bad arguments (with the usage); 130 interrupted (SIGINT
// or SIGTERM: the summary so far, without the final checks; a second signal exits at once).
//
// Modules: scripts/simulator/ (options, api, driver, geo, stats, run). Tokens are minted like
// `npm run token` (scripts/token.mjs: JWT_SECRET, default the local dev secret).

import { SingleBar } from "cli-progress";
import { UsageError, parseOptions, usage } from "./simulator/options.mjs";
import { SetupUsageError, simulate } from "./simulator/run.mjs";
import { Stats, formatSummary } from "./simulator/stats.mjs";

const PROGRESS_FORMAT =
  "{bar} {value}/{total} delivered | online {online}/{drivers} | created {created} assigned {assigned} | offers {accepted} accepted {rejected} rejected {expired} expired | errors {errors} | {elapsed} s";

function liveLine(stats, options) {
  if (!options.progress) return { stop() {}, log: (line) => process.stderr.write(`[simulate] ${line}\n`) };
  const bar = new SingleBar({
    format: PROGRESS_FORMAT,
    barsize: 20,
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    noTTYOutput: true, // when stderr is a pipe or a file: one line every few seconds instead
    notTTYSchedule: 5000,
    fps: 4,
    stream: process.stderr,
  });
  bar.start(Math.max(1, options.deliveries), 0, stats.progress(options.drivers));
  const timer = setInterval(() => bar.update(stats.delivered, stats.progress(options.drivers)), 250);
  return {
    stop() {
      clearInterval(timer);
      bar.update(stats.delivered, stats.progress(options.drivers));
      bar.stop();
    },
    // On a terminal the line is redrawn in place, so a message starts on a line of its own.
    log: (line) => process.stderr.write(`${process.stderr.isTTY ? "\n" : ""}[simulate] ${line}\n`),
  };
}

async function main(argv) {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`simulate: ${error.message}\n\n${usage()}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(usage());
    return 0;
  }

  const controller = new AbortController();
  const onSignal = (signal) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\n[simulate] ${signal} again: exiting without the summary\n`);
      process.exit(130);
    }
    process.stderr.write(`\n[simulate] ${signal}: stopping; the summary so far follows (again to exit at once)\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const stats = new Stats();
  const line = liveLine(stats, options);
  let summary;
  try {
    summary = await simulate(options, { signal: controller.signal, stats, log: line.log });
  } catch (error) {
    line.stop();
    if (error instanceof SetupUsageError) {
      process.stderr.write(`simulate: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`simulate: ${error.message}\n`);
    return 1;
  }
  line.stop();
  process.stdout.write(options.json ? JSON.stringify(summary, null, 2) + "\n" : formatSummary(summary) + "\n");
  if (summary.interrupted) return 130;
  return summary.ok ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
// Sockets and timers are all closed by now; nothing should keep the process, but make sure.
setTimeout(() => process.exit(), 1000).unref();
