// The local D1 database of a running (or stopped) `npm start`, read straight from its SQLite file
// under the state directory: the one way to see what reached D1 itself, since the API's audit
// and history reads merge in the rows still waiting in a zone's outbox.

import { readdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

export interface D1AuditRow {
  id: string;
  deliveryId: string;
  version: number;
}

export interface D1HistoryRow {
  driverId: string;
  version: number;
  fromState: string;
  toState: string;
}

/** wrangler's `--persist-to` layout: one SQLite file per D1 database beside miniflare's metadata. */
function d1File(stateDir: string): string {
  const dir = path.join(stateDir, "v3", "d1", "miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (files.length !== 1) throw new Error(`expected one D1 database in ${dir}, found ${files.join(", ") || "none"}`);
  return path.join(dir, files[0]!);
}

/** Read-only, one connection per read: workerd keeps writing the file (WAL) meanwhile. */
function query<T>(stateDir: string, sql: string, ...params: string[]): T[] {
  const db = new DatabaseSync(d1File(stateDir), { readOnly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export function auditRowsInD1(stateDir: string, orgId: string): D1AuditRow[] {
  return query<D1AuditRow>(
    stateDir,
    "SELECT id, delivery_id AS deliveryId, version FROM delivery_audit_logs WHERE org_id = ?",
    orgId,
  );
}

export function historyRowsInD1(stateDir: string, orgId: string): D1HistoryRow[] {
  return query<D1HistoryRow>(
    stateDir,
    "SELECT driver_id AS driverId, version, from_state AS fromState, to_state AS toState FROM driver_availability_history WHERE org_id = ?",
    orgId,
  );
}
