import type Database from 'better-sqlite3';
import { ENTRY_COLUMNS, FIGURE_COLUMNS, type RangeFigures, type ReportEntry, type ReportStore } from '../reports.js';

/**
 * The SQLite reports: one aggregate per range, each a range read of the (store, created_at) index. The
 * statements run back to back in one turn of the event loop, so no write of this process falls between
 * them (and no other process writes: the database is this process's alone).
 */
export function createSqliteReports(client: Database.Database): ReportStore {
  const q = {
    range: client.prepare<[number, number, number], RangeFigures>(
      `SELECT ${FIGURE_COLUMNS} FROM ledger l WHERE l.store_id = ? AND l.created_at >= ? AND l.created_at < ?`,
    ),
    entries: client.prepare<[number, number, number, number], ReportEntry>(
      `SELECT ${ENTRY_COLUMNS} FROM ledger l LEFT JOIN products p ON p.id = l.product_id
       WHERE l.store_id = ? AND l.created_at >= ? AND l.created_at < ? ORDER BY l.id LIMIT ?`,
    ),
  };
  return {
    async daily(storeId, ranges) {
      return ranges.map((r) => q.range.get(storeId, r.start, r.end)!);
    },
    async entries(storeId, range, limit) {
      return q.entries.all(storeId, range.start, range.end, limit);
    },
  };
}
