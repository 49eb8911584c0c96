import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { checkArchitecture, formatReport, importsOf } from "../../scripts/check-architecture.mjs";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const fixtures: string[] = [];

/** A throwaway project root holding the given src/ files. */
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), "architecture-"));
  fixtures.push(root);
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, "src", name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return root;
}

afterEach(() => {
  for (const root of fixtures.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe("architecture of src/", () => {
  it("has no import cycle and no import across the layer rules", () => {
    const result = checkArchitecture(projectRoot);
    expect(result.files).toBeGreaterThan(0);
    expect(formatReport(result).lines.filter((line) => !line.startsWith("architecture:"))).toEqual([]);
  });
});

describe("the architecture check", () => {
  it("reports a cycle of three files", () => {
    const result = checkArchitecture(
      fixture({
        "a.ts": 'import { b } from "./b";\nexport const a = () => b;\n',
        "b.ts": 'import { c } from "./c";\nexport const b = () => c;\n',
        "c.ts": 'import { a } from "./a";\nexport const c = () => a;\n',
        "d.ts": 'import { a } from "./a";\nexport const d = a;\n',
      }),
    );
    expect(result.components).toEqual([["src/a.ts", "src/b.ts", "src/c.ts"]]);
    expect(result.cycles).toEqual([["src/a.ts", "src/b.ts", "src/c.ts", "src/a.ts"]]);
    expect(formatReport(result)).toMatchObject({ ok: false, lines: expect.arrayContaining(["cycle: src/a.ts -> src/b.ts -> src/c.ts -> src/a.ts"]) });
  });

  it("reports a cycle made only of type imports and type re-exports, and a self-import", () => {
    const result = checkArchitecture(
      fixture({
        "x/index.ts": 'import type { Y } from "../y";\nexport interface X { y?: Y }\n',
        "y.ts": 'export type { X } from "./x";\nexport interface Y { n: number }\n',
        "self.ts": 'import type { Self } from "./self";\nexport type Self = { next?: Self };\n',
      }),
    );
    expect(result.components).toEqual([["src/self.ts"], ["src/x/index.ts", "src/y.ts"]]);
    expect(result.cycles).toContainEqual(["src/x/index.ts", "src/y.ts", "src/x/index.ts"]);
    expect(result.cycles).toContainEqual(["src/self.ts", "src/self.ts"]);
  });

  it("reports a domain file importing the Cloudflare runtime or the worker", () => {
    const result = checkArchitecture(
      fixture({
        "domain/runtime.ts": 'import { DurableObject } from "cloudflare:workers";\nexport class Z extends DurableObject {}\n',
        "domain/http.ts": 'import { x } from "../worker/x";\nexport const y = x;\n',
        "domain/fine.ts": 'import { z } from "zod";\nimport { C } from "../contracts/c";\nexport const ok = [z, C];\n',
        "contracts/c.ts": 'import { z } from "zod";\nexport const C = z.string();\n',
        "worker/x.ts": "export const x = 1;\n",
      }),
    );
    expect(result.cycles).toEqual([]);
    expect(result.layerViolations).toHaveLength(2);
    expect(result.layerViolations).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^src\/domain\/runtime\.ts imports cloudflare:workers /),
        expect.stringMatching(/^src\/domain\/http\.ts imports src\/worker\/x\.ts /),
      ]),
    );
  });

  it("reports contracts importing the worker and durable objects importing the worker", () => {
    const result = checkArchitecture(
      fixture({
        "contracts/c.ts": 'import type { D } from "../worker/d";\nexport type C = D;\n',
        "worker/d.ts": "export type D = string;\n",
        "durable-objects/o.ts": 'import type { Env } from "../worker/env";\nexport type O = Env;\n',
        "worker/env.ts": "export interface Env { DB: unknown }\n",
      }),
    );
    expect(result.layerViolations).toEqual([
      expect.stringMatching(/^src\/contracts\/c\.ts imports type from src\/worker\/d\.ts /),
      expect.stringMatching(/^src\/durable-objects\/o\.ts imports type from src\/worker\/env\.ts /),
    ]);
  });

  it("passes a tree that respects the rules, with a one-line summary", () => {
    const result = checkArchitecture(
      fixture({
        "contracts/c.ts": 'import { z } from "zod";\nexport const C = z.string();\n',
        "domain/d.ts": 'import { C } from "../contracts/c";\nexport const D = C;\n',
        "worker/w.ts": 'import { D } from "../domain/d";\nimport { env } from "cloudflare:workers";\nexport const W = [D, env];\n',
      }),
    );
    expect(formatReport(result)).toEqual({ ok: true, lines: ["architecture: 3 files, 2 imports, no cycles, layers respected"] });
  });

  it("reads imports, not text in comments, strings, templates or regular expressions", () => {
    const source = [
      '// import { a } from "./comment";',
      '/* export * from "./block"; */',
      'const s = "import { b } from \'./string\'";',
      "const t = `import x from './template' ${import(\"./in-template\")}`;",
      'const r = /import "\\.\\/regex"/;',
      'import def, { type T, u as v } from "./named";',
      'import * as ns from "./namespace";',
      'import "./side-effect";',
      'import type { W } from "./type-only";',
      'export { k } from "./re-export";',
      'export type { K } from "./type-re-export";',
      'export * as all from "./star";',
      'type M = typeof import("./type-query");',
      "export { local };",
      'import from from "./named-from";',
    ].join("\n");
    expect(importsOf(source)).toEqual([
      { specifier: "./in-template", typeOnly: false },
      { specifier: "./named", typeOnly: false },
      { specifier: "./namespace", typeOnly: false },
      { specifier: "./side-effect", typeOnly: false },
      { specifier: "./type-only", typeOnly: true },
      { specifier: "./re-export", typeOnly: false },
      { specifier: "./type-re-export", typeOnly: true },
      { specifier: "./star", typeOnly: false },
      { specifier: "./type-query", typeOnly: true },
      { specifier: "./named-from", typeOnly: false },
    ]);
  });

  it("reports a relative import that names no file", () => {
    const result = checkArchitecture(fixture({ "a.ts": 'import { gone } from "./gone";\nexport const a = gone;\n' }));
    expect(result.unresolved).toEqual(['src/a.ts: "./gone" names no file']);
  });
});
