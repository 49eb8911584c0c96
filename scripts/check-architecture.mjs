#!/usr/bin/env node
/*
 * Architecture guard (`npm run check:architecture`): builds the import graph of every .ts file
 * under src/ and fails on
 *   - import cycles (type-only imports count: every strongly connected component of more than
 *     one file, and every self-import, is reported);
 *   - imports across the layer rules below (LAYER_RULES).
 *
 * Import statements are read with a small lexer of our own (comments, strings, template
 * literals and regular expressions are skipped, so text inside them is never taken for an
 * import). TypeScript 7 (the native compiler this project uses) no longer ships the JS API
 * with `ts.preProcessFile`. Recognised forms:
 *   import x from "s"; import { a, type b } from "s"; import * as n from "s"; import "s";
 *   import type { T } from "s"; export { a } from "s"; export * from "s";
 *   export type { T } from "s"; import("s") and `typeof import("s")`; import x = require("s").
 * Relative specifiers resolve to s, s.ts, s.tsx, s.d.ts, s/index.ts, s/index.d.ts (and s.js ->
 * s.ts). Bare package specifiers are ignored, except `cloudflare:*`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A file under `from` may not import anything `forbidden` matches. Targets are project-relative
 * paths with forward slashes (`src/worker/env.ts`) or bare specifiers (`cloudflare:workers`).
 */
export const LAYER_RULES = [
  {
    from: "src/domain/",
    reason: "src/domain is pure logic: no Cloudflare runtime, no worker, durable object, db or web code",
    forbidden: (target) =>
      target.startsWith("cloudflare:") ||
      ["src/worker/", "src/durable-objects/", "src/db/", "src/web/"].some((p) => target.startsWith(p)),
  },
  {
    from: "src/contracts/",
    // Schemas may refine with a pure domain rule (polygon geometry, webhook targets), so the API
    // and the rule agree; the cycle check keeps that from looping back.
    reason: "src/contracts holds zod schemas: no Cloudflare runtime, worker, durable object, db or web code",
    forbidden: (target) =>
      target.startsWith("cloudflare:") ||
      ["src/worker/", "src/durable-objects/", "src/db/", "src/web/"].some((p) => target.startsWith(p)) ||
      target === "src/index.ts",
  },
  {
    from: "src/durable-objects/",
    reason: "durable objects must not depend on the Worker's HTTP layer",
    forbidden: (target) => target.startsWith("src/worker/"),
  },
];

const REGEX_AFTER_WORDS = new Set([
  "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else",
  "yield", "await", "extends", "satisfies", "as",
]);

/**
 * Tokens of a TypeScript source: identifiers/keywords (`id`), string literals (`str`, value
 * unquoted) and single-character punctuation (`p`). Comments, template literals, numbers and
 * regular-expression literals are consumed and produce no token (a template's `${...}` parts are
 * tokenised, since they may hold `import("...")`).
 */
export function tokenize(text) {
  const tokens = [];
  /** Brace depth of each open template substitution, innermost last. */
  const templateDepths = [];
  let i = 0;
  const n = text.length;
  const prevAllowsRegex = () => {
    const last = tokens[tokens.length - 1];
    if (!last) return true;
    if (last.t === "str" || last.t === "num" || last.t === "tpl") return false;
    if (last.t === "id") return REGEX_AFTER_WORDS.has(last.v);
    return !(last.v === ")" || last.v === "]" || last.v === "}");
  };
  /** Reads template characters from i (just after ` or after a substitution's }) to its end or next ${. */
  const scanTemplate = () => {
    while (i < n) {
      const c = text[i];
      if (c === "\\") {
        i += 2;
      } else if (c === "`") {
        i += 1;
        tokens.push({ t: "tpl", v: "" });
        return;
      } else if (c === "$" && text[i + 1] === "{") {
        i += 2;
        templateDepths.push(0);
        return;
      } else {
        i += 1;
      }
    }
  };
  while (i < n) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v" || c === "\uFEFF" || c === "\u00A0") {
      i += 1;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < n && text[i] !== "\n" && text[i] !== "\r") i += 1;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? n : end + 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let value = "";
      while (j < n && text[j] !== c && text[j] !== "\n") {
        if (text[j] === "\\") {
          value += text.slice(j, j + 2);
          j += 2;
        } else {
          value += text[j];
          j += 1;
        }
      }
      tokens.push({ t: "str", v: value });
      i = j + 1;
    } else if (c === "`") {
      i += 1;
      scanTemplate();
    } else if (c === "{") {
      if (templateDepths.length > 0) templateDepths[templateDepths.length - 1] += 1;
      tokens.push({ t: "p", v: c });
      i += 1;
    } else if (c === "}") {
      if (templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === 0) {
        templateDepths.pop();
        i += 1;
        scanTemplate();
      } else {
        if (templateDepths.length > 0) templateDepths[templateDepths.length - 1] -= 1;
        tokens.push({ t: "p", v: c });
        i += 1;
      }
    } else if (c === "/" && prevAllowsRegex()) {
      let j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== "\n") {
        const d = text[j];
        if (d === "\\") j += 1;
        else if (d === "[") inClass = true;
        else if (d === "]") inClass = false;
        else if (d === "/" && !inClass) break;
        j += 1;
      }
      j += 1;
      while (j < n && /[A-Za-z]/.test(text[j])) j += 1;
      tokens.push({ t: "num", v: "" });
      i = j;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(text[j])) j += 1;
      tokens.push({ t: "num", v: "" });
      i = j;
    } else if (/[A-Za-z_$#]/.test(c) || c.charCodeAt(0) > 0x7f) {
      let j = i + 1;
      while (j < n && (/[A-Za-z0-9_$]/.test(text[j]) || text.charCodeAt(j) > 0x7f)) j += 1;
      tokens.push({ t: "id", v: text.slice(i, j) });
      i = j;
    } else {
      tokens.push({ t: "p", v: c });
      i += 1;
    }
  }
  return tokens;
}

/** Module specifiers a source imports or re-exports from, each with whether only types come in. */
export function importsOf(text) {
  const tokens = tokenize(text);
  const found = [];
  const is = (k, t, v) => tokens[k] !== undefined && tokens[k].t === t && (v === undefined || tokens[k].v === v);
  /** From k (start of an import/export clause), the index of the `from` that ends it, or -1. */
  const clauseEnd = (k) => {
    let depth = 0;
    for (; k < tokens.length; k += 1) {
      const tok = tokens[k];
      if (tok.t === "p" && tok.v === "{") depth += 1;
      else if (tok.t === "p" && tok.v === "}") {
        depth -= 1;
        if (depth < 0) return -1;
      } else if (depth === 0 && is(k, "id", "from") && is(k + 1, "str")) return k;
      else if (tok.t === "str" || (tok.t === "p" && tok.v !== "," && tok.v !== "*")) return -1;
      else if (depth === 0 && tok.t === "id" && (tok.v === "import" || tok.v === "export")) return -1;
    }
    return -1;
  };
  for (let k = 0; k < tokens.length; k += 1) {
    const tok = tokens[k];
    if (tok.t !== "id") continue;
    const afterDot = is(k - 1, "p", ".") && !is(k - 2, "p", ".");
    if (afterDot) continue;
    if (tok.v === "import") {
      if (is(k + 1, "p", "(")) {
        if (is(k + 2, "str")) found.push({ specifier: tokens[k + 2].v, typeOnly: is(k - 1, "id", "typeof") });
        continue;
      }
      if (is(k + 1, "p", ".")) continue; // import.meta
      if (is(k + 1, "str")) {
        found.push({ specifier: tokens[k + 1].v, typeOnly: false });
        continue;
      }
      let start = k + 1;
      let typeOnly = false;
      if (is(start, "id", "type") && !is(start + 1, "p", ",") && !is(start + 1, "p", "=") && !(is(start + 1, "id", "from") && is(start + 2, "str"))) {
        typeOnly = true;
        start += 1;
      }
      // import x = require("s")
      if (is(start, "id") && is(start + 1, "p", "=")) {
        if (is(start + 2, "id", "require") && is(start + 3, "p", "(") && is(start + 4, "str")) {
          found.push({ specifier: tokens[start + 4].v, typeOnly });
        }
        continue;
      }
      const end = clauseEnd(start);
      if (end !== -1) found.push({ specifier: tokens[end + 1].v, typeOnly });
    } else if (tok.v === "export") {
      let start = k + 1;
      let typeOnly = false;
      if (is(start, "id", "type") && (is(start + 1, "p", "{") || is(start + 1, "p", "*"))) {
        typeOnly = true;
        start += 1;
      }
      if (!(is(start, "p", "{") || is(start, "p", "*"))) continue;
      const end = clauseEnd(start);
      if (end !== -1) found.push({ specifier: tokens[end + 1].v, typeOnly });
    }
  }
  return found;
}

const toPosix = (p) => p.split(sep).join("/");

function listTsFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTsFiles(full));
    else if (entry.isFile() && (entry.name.endsWith(".ts") || entry.name.endsWith(".tsx"))) out.push(full);
  }
  return out;
}

const isFile = (p) => existsSync(p) && statSync(p).isFile();

/** The file a relative specifier names: a .ts file when there is one, else whatever file exists, else null. */
function resolveRelative(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [];
  if (/\.(c|m)?jsx?$/.test(base)) {
    const stem = base.replace(/\.(c|m)?jsx?$/, "");
    candidates.push(`${stem}.ts`, `${stem}.tsx`, `${stem}.d.ts`);
  }
  candidates.push(
    `${base}.ts`,
    `${base}.tsx`,
    `${base}.d.ts`,
    join(base, "index.ts"),
    join(base, "index.tsx"),
    join(base, "index.d.ts"),
    base,
  );
  return candidates.find(isFile) ?? null;
}

/** Strongly connected components (Tarjan), each sorted, in a stable order. */
function stronglyConnected(nodes, edges) {
  let index = 0;
  const indexOf = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = (root) => {
    // Iterative Tarjan: frames of [node, next-edge position].
    const frames = [[root, 0]];
    indexOf.set(root, index);
    low.set(root, index);
    index += 1;
    stack.push(root);
    onStack.add(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const [node, pos] = frame;
      const next = [...(edges.get(node) ?? [])];
      if (pos < next.length) {
        frame[1] += 1;
        const to = next[pos];
        if (!indexOf.has(to)) {
          indexOf.set(to, index);
          low.set(to, index);
          index += 1;
          stack.push(to);
          onStack.add(to);
          frames.push([to, 0]);
        } else if (onStack.has(to)) {
          low.set(node, Math.min(low.get(node), indexOf.get(to)));
        }
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === indexOf.get(node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        components.push(component.sort());
      }
    }
  };
  for (const node of nodes) if (!indexOf.has(node)) visit(node);
  return components.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Shortest chain start -> ... -> start inside one component (breadth-first). */
function shortestCycleThrough(start, members, edges) {
  const inside = new Set(members);
  const previous = new Map();
  const queue = [start];
  for (let q = 0; q < queue.length; q += 1) {
    const node = queue[q];
    for (const to of [...(edges.get(node) ?? [])].sort()) {
      if (!inside.has(to)) continue;
      if (to === start) {
        const chain = [start];
        for (let at = node; at !== start; at = previous.get(at)) chain.unshift(at);
        chain.unshift(start);
        return chain;
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

/**
 * Analyses `<root>/src`. Answers the number of files and of resolved import statements, the
 * strongly connected components with a cycle (`components`), cycle chains that together pass
 * through every file of those components (`cycles`, each ending where it starts), the layer
 * violations and relative imports that name no file (`unresolved`), as printable lines.
 */
export function checkArchitecture(root = process.cwd()) {
  const srcDir = resolve(root, "src");
  const files = listTsFiles(srcDir).sort();
  const rel = (abs) => toPosix(relative(root, abs));
  const nodes = files.map(rel);
  const edges = new Map(nodes.map((f) => [f, new Set()]));
  const layerViolations = [];
  const unresolved = [];
  let imports = 0;
  for (const file of files) {
    const from = rel(file);
    for (const { specifier, typeOnly } of importsOf(readFileSync(file, "utf8"))) {
      let target;
      if (specifier.startsWith(".")) {
        const resolved = resolveRelative(file, specifier);
        if (resolved === null) {
          unresolved.push(`${from}: "${specifier}" names no file`);
          continue;
        }
        target = rel(resolved);
        if (edges.has(target)) {
          edges.get(from).add(target);
          imports += 1;
        }
      } else if (specifier.startsWith("cloudflare:")) {
        target = specifier;
      } else {
        continue;
      }
      for (const rule of LAYER_RULES) {
        if (from.startsWith(rule.from) && rule.forbidden(target)) {
          layerViolations.push(`${from} imports ${typeOnly ? "type from " : ""}${target} ("${specifier}"): ${rule.reason}`);
        }
      }
    }
  }
  const components = stronglyConnected(nodes, edges).filter(
    (c) => c.length > 1 || edges.get(c[0]).has(c[0]),
  );
  const cycles = [];
  for (const component of components) {
    const covered = new Set();
    for (const member of component) {
      if (covered.has(member)) continue;
      const chain = shortestCycleThrough(member, component, edges);
      chain.forEach((f) => covered.add(f));
      cycles.push(chain);
    }
  }
  return { files: files.length, imports, components, cycles, layerViolations, unresolved };
}

/** The report's lines, and whether it passes. */
export function formatReport(result) {
  const lines = [];
  for (const component of result.components) {
    if (component.length > 1) lines.push(`import cycle among ${component.length} files: ${component.join(", ")}`);
  }
  for (const chain of result.cycles) lines.push(`cycle: ${chain.join(" -> ")}`);
  for (const v of result.layerViolations) lines.push(`layer: ${v}`);
  for (const u of result.unresolved) lines.push(`unresolved: ${u}`);
  const ok = lines.length === 0;
  if (ok) {
    lines.push(`architecture: ${result.files} files, ${result.imports} imports, no cycles, layers respected`);
  } else {
    lines.push(
      `architecture: ${result.files} files, ${result.imports} imports, ${result.components.length} import cycle group(s), ` +
        `${result.layerViolations.length} layer violation(s), ${result.unresolved.length} unresolved import(s)`,
    );
  }
  return { ok, lines };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ? resolve(process.argv[2]) : resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const { ok, lines } = formatReport(checkArchitecture(root));
  (ok ? console.log : console.error)(lines.join("\n"));
  process.exitCode = ok ? 0 : 1;
}
