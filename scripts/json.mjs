#!/usr/bin/env node
// Picks one value out of a JSON answer on stdin, for the README's walk-throughs (no jq needed):
//
//   curl -s … | node scripts/json.mjs id            → the "id" field, as plain text
//   curl -s … | node scripts/json.mjs orders.0.id   → a path through objects and arrays
//
// Strings print as they are, anything else as JSON; a missing path or bad JSON exits with 1.

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  let value;
  try {
    value = JSON.parse(input);
  } catch {
    process.stderr.write(`json: stdin is not JSON: ${input.slice(0, 200)}\n`);
    process.exit(1);
  }
  for (const key of (process.argv[2] ?? "").split(".").filter(Boolean)) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, key)) {
      process.stderr.write(`json: no "${process.argv[2]}" in ${input.slice(0, 200)}\n`);
      process.exit(1);
    }
    value = value[key];
  }
  process.stdout.write(`${typeof value === "string" ? value : JSON.stringify(value)}\n`);
});
