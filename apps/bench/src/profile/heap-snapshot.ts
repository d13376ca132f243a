/** Reads a V8 .heapsnapshot into bytes and object counts per constructor (or node type). */

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapTally {
  totalBytes: number;
  /** `type:name` → count and self bytes. */
  byKind: Map<string, { count: number; bytes: number }>;
}

export function tallyHeap(snapshot: Snapshot): HeapTally {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const byKind = new Map<string, { count: number; bytes: number }>();
  let totalBytes = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + iType] as number] ?? '?';
    const size = snapshot.nodes[i + iSize] as number;
    // Strings and code are many distinct names: group them by type alone.
    const name = type === 'object' || type === 'closure' || type === 'native' ? (snapshot.strings[snapshot.nodes[i + iName] as number] ?? '?') : '';
    const kind = name ? `${type}:${name}` : type;
    const t = byKind.get(kind) ?? { count: 0, bytes: 0 };
    t.count++;
    t.bytes += size;
    byKind.set(kind, t);
    totalBytes += size;
  }
  return { totalBytes, byKind };
}

/** What grew between two snapshots, per socket added: the kinds that make up a socket's heap cost. */
export function perSocket(before: HeapTally, after: HeapTally, sockets: number, top = 25): Array<{ kind: string; objectsPerSocket: number; bytesPerSocket: number }> {
  const kinds = new Set([...before.byKind.keys(), ...after.byKind.keys()]);
  return [...kinds]
    .map((kind) => {
      const a = after.byKind.get(kind) ?? { count: 0, bytes: 0 };
      const b = before.byKind.get(kind) ?? { count: 0, bytes: 0 };
      return { kind, objectsPerSocket: Math.round(((a.count - b.count) / sockets) * 100) / 100, bytesPerSocket: Math.round((a.bytes - b.bytes) / sockets) };
    })
    .sort((x, y) => y.bytesPerSocket - x.bytesPerSocket)
    .slice(0, top);
}
