/**
 * The counter of the Socket.IO reference's durable variant (`PEER_STORE=sqlite`, the `socketio-sqlite*`
 * workloads): about the least a punch card that survives a crash must write per scan, one transaction a
 * scan, as a request handler usually writes it. The card's new balance (scanpush's own `cards` rows in the
 * bench's database) and a row naming the QR's nonce, unique, so that a QR deducts once. With scanpush's
 * SQLite settings (`openSqlite`: WAL, the bench's --sqlite-synchronous, the same cache), SQLite's own checkpoints inline.
 *
 * What it leaves out, and scanpush writes: the stream entry and its head (what makes a push replayable
 * and lets none be lost), the ledger's two read indexes (a member's history, a store's report), the
 * group commit and the checkpoint thread. The gap between this peer and the in-memory one is the price
 * of durability itself on the box; the gap from it to scanpush is scanpush's own.
 */
import type { SqliteSynchronous } from '../../server/src/config.js';
import { openSqlite } from '../../server/src/storage/sqlite/open.js';
import type { TakeUse } from './peer-http.js';

export function sqliteCounter(path: string, synchronous: SqliteSynchronous): TakeUse {
  const db = openSqlite(path, synchronous);
  db.exec(`CREATE TABLE IF NOT EXISTS peer_scans (
    id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL, store_id INTEGER NOT NULL, nonce TEXT NOT NULL UNIQUE,
    remaining INTEGER NOT NULL, at INTEGER NOT NULL)`);
  const takeUse = db
    .prepare<[number, number, number], number>(
      'UPDATE cards SET remaining = remaining - 1, updated_at = ? WHERE member_id = ? AND store_id = ? AND remaining > 0 RETURNING remaining',
    )
    .pluck();
  const record = db.prepare<[number, number, string, number, number]>('INSERT INTO peer_scans (member_id, store_id, nonce, remaining, at) VALUES (?, ?, ?, ?, ?)');
  return db.transaction((memberId: number, storeId: number, nonce: string) => {
    const now = Date.now();
    const remaining = takeUse.get(now, memberId, storeId);
    if (remaining === undefined) throw new Error(`member ${memberId} has no use left at store ${storeId}`);
    record.run(memberId, storeId, nonce, remaining, now);
    return remaining;
  }).immediate;
}
