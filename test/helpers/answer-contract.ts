import { Validator } from "@cfworker/json-schema";
import { openApiDocument } from "../../src/worker/openapi";
import { routes } from "../../src/worker/routes";

/*
 * Every answer a runtime test gets through `send` is checked against the OpenAPI document's
 * schema for that route and status (a JSON Schema validator that runs in workerd, where ajv's
 * code generation cannot). So the document cannot drift from what the handlers answer.
 */

interface Operation {
  pattern: RegExp;
  method: string;
  schemas: Map<number, object>;
}

let operations: Operation[] | undefined;

function documentOperations(): Operation[] {
  const doc = openApiDocument(routes) as { paths: Record<string, Record<string, { responses: Record<string, any> }>>; components: object };
  const list: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${path.replace(/\{\w+\}/g, "[^/]+")}$`);
    for (const [method, op] of Object.entries(ops)) {
      const schemas = new Map<number, object>();
      for (const [status, response] of Object.entries(op.responses)) {
        const schema = response.content?.["application/json"]?.schema;
        // Errors point into components: resolve against the whole document.
        if (schema) schemas.set(Number(status), { ...schema, components: doc.components });
      }
      list.push({ pattern, method: method.toUpperCase(), schemas });
    }
  }
  return list;
}

/** Why `body` is not what the document promises for this answer, or null. Static segments win over parameters. */
export function answerProblems(method: string, path: string, status: number, body: unknown): string[] | null {
  operations ??= documentOperations();
  const matches = operations.filter((op) => op.method === method && op.pattern.test(path));
  const op = matches.sort((a, b) => b.pattern.source.split("[^/]+").length - a.pattern.source.split("[^/]+").length).at(-1);
  const schema = op?.schemas.get(status);
  if (!schema) return null;
  const result = new Validator(schema as never, "2020-12", false).validate(body);
  return result.valid ? null : result.errors.map((e) => `${e.instanceLocation}: ${e.error}`);
}
