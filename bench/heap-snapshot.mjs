// The Chrome DevTools protocol session the soak bench holds on `wrangler dev`'s inspector port,
// and what it reads off V8's heap snapshots.
//
// In local workerd the Worker and its Durable Objects share one isolate (one inspector target),
// so a snapshot holds both. `analyse()` therefore answers three things:
//  - `liveBytes`: self sizes of every node reachable from the root over strong edges (the
//    isolate's live heap: Worker plus every zone object);
//  - `retained[name]`: what the instances of a class keep alive alone, i.e. the nodes reachable
//    with them and unreachable without them (the exact retained size of that set, without building
//    a dominator tree): for `ZoneDispatcher`, the zone objects' live heap;
//  - `byName`: count and self size per constructor name (other nodes per type: "(string)",
//    "(closure)", …), so a growth can be named.

import WebSocket from "ws";

export class Inspector {
  /** @param {string} url ws://host:port/ws of `wrangler dev --inspector-port` */
  static async connect(url) {
    const ws = new WebSocket(url, { maxPayload: 2 ** 31 - 1 });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    return new Inspector(ws);
  }

  constructor(ws) {
    this.ws = ws;
    this.nextId = 1;
    this.pending = new Map();
    this.chunks = null;
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data));
      if (msg.id !== undefined && this.pending.has(msg.id)) {
        const { resolve, reject } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) reject(new Error(`${msg.error.message} (${msg.error.code})`));
        else resolve(msg.result);
      } else if (msg.method === "HeapProfiler.addHeapSnapshotChunk") this.chunks?.push(msg.params.chunk);
      // everything else (console messages wrangler also receives) is ignored
    });
  }

  /** One protocol call; a call unanswered within `timeoutMs` fails the bench instead of hanging it. */
  send(method, params = {}, timeoutMs = 300_000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`inspector: ${method} unanswered after ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (result) => (clearTimeout(timer), resolve(result)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** V8's used heap right after a full GC, in bytes (`Runtime.getHeapUsage`). */
  async liveHeapBytes() {
    await this.send("HeapProfiler.collectGarbage");
    const usage = await this.send("Runtime.getHeapUsage");
    return usage.usedSize;
  }

  /** A full heap snapshot (V8 collects garbage before it takes one), parsed. */
  async snapshot() {
    await this.send("HeapProfiler.enable");
    this.chunks = [];
    await this.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false, captureNumericValue: false });
    const text = this.chunks.join("");
    this.chunks = null;
    return JSON.parse(text);
  }

  close() {
    this.ws.close();
  }
}

/**
 * @param {any} snap a parsed .heapsnapshot
 * @param {string[]} classes constructor names whose retained size to compute
 */
export function analyse(snap, classes) {
  const { node_fields: nodeFields, edge_fields: edgeFields, node_types: nodeTypes, edge_types: edgeTypes } = snap.snapshot.meta;
  const NF = nodeFields.length;
  const EF = edgeFields.length;
  const typeOf = nodeFields.indexOf("type");
  const nameOf = nodeFields.indexOf("name");
  const sizeOf = nodeFields.indexOf("self_size");
  const edgeCountOf = nodeFields.indexOf("edge_count");
  const edgeTypeOf = edgeFields.indexOf("type");
  const toOf = edgeFields.indexOf("to_node");
  const weak = edgeTypes[0].indexOf("weak");
  const objectType = nodeTypes[0].indexOf("object");
  const { nodes, edges, strings } = snap;
  const count = nodes.length / NF;

  const firstEdge = new Uint32Array(count + 1);
  for (let n = 0; n < count; n++) firstEdge[n + 1] = firstEdge[n] + nodes[n * NF + edgeCountOf] * EF;

  /** Nodes reachable from the root (node 0) over strong edges, never entering `blocked`. */
  const reach = (blocked) => {
    const seen = new Uint8Array(count);
    const stack = [0];
    seen[0] = 1;
    while (stack.length > 0) {
      const n = stack.pop();
      for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EF) {
        if (edges[e + edgeTypeOf] === weak) continue;
        const to = edges[e + toOf] / NF;
        if (seen[to] || blocked?.has(to)) continue;
        seen[to] = 1;
        stack.push(to);
      }
    }
    return seen;
  };

  const all = reach(null);
  let liveBytes = 0;
  const byName = new Map();
  for (let n = 0; n < count; n++) {
    if (!all[n]) continue;
    const size = nodes[n * NF + sizeOf];
    liveBytes += size;
    // Objects by constructor; strings, arrays, closures, code… by their node type alone.
    const type = nodes[n * NF + typeOf];
    const name = type === objectType ? strings[nodes[n * NF + nameOf]] : `(${nodeTypes[0][type]})`;
    const entry = byName.get(name) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += size;
    byName.set(name, entry);
  }

  // A Durable Object's instance is a workerd wrapper ("CppgcShim"), and the node named after the
  // class is its prototype: the instances are the nodes whose __proto__ is that prototype.
  const property = edgeTypes[0].indexOf("property");
  const edgeNameOf = edgeFields.indexOf("name_or_index");
  const instancesOf = (cls) => {
    const found = new Set();
    for (let n = 0; n < count; n++) {
      if (!all[n]) continue;
      for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EF) {
        if (edges[e + edgeTypeOf] !== property || strings[edges[e + edgeNameOf]] !== "__proto__") continue;
        const proto = edges[e + toOf] / NF;
        if (nodes[proto * NF + typeOf] === objectType && strings[nodes[proto * NF + nameOf]] === cls) found.add(n);
      }
    }
    return found;
  };

  const retained = {};
  for (const cls of classes) {
    const instances = instancesOf(cls);
    const without = reach(instances);
    let bytes = 0;
    for (let n = 0; n < count; n++) if (all[n] && !without[n]) bytes += nodes[n * NF + sizeOf];
    retained[cls] = { instances: instances.size, bytes };
  }
  return { nodes: count, liveBytes, retained, byName };
}

/** The names (see `byName`) whose self size grew most from `before` to `after`. */
export function growth(before, after, top = 12) {
  const names = new Set([...before.byName.keys(), ...after.byName.keys()]);
  const rows = [];
  for (const name of names) {
    const a = before.byName.get(name) ?? { count: 0, bytes: 0 };
    const b = after.byName.get(name) ?? { count: 0, bytes: 0 };
    rows.push({ name, count: b.count - a.count, bytes: b.bytes - a.bytes, countAfter: b.count, bytesAfter: b.bytes });
  }
  return rows.sort((x, y) => y.bytes - x.bytes).slice(0, top);
}
