import type pg from 'pg';
import { ENTRY_COLUMNS, FIGURE_COLUMNS, figuresByRange, type RangeFigures, type ReportEntry, type ReportStore } from '../reports.js';
import { query } from './pool.js';

/**
 * The PostgreSQL reports: the store's rows of the whole span are read once and grouped by
 * `width_bucket` over the ranges' boundaries (bucket n is the range from boundary n to n+1).
 */
export function createPostgresReports(pool: pg.Pool): ReportStore {
  return {
    async daily(storeId, ranges) {
      const bounds = [...ranges.map((r) => r.start), ranges.at(-1)!.end];
      const rows = await query<RangeFigures & { i: number }>(
        pool,
        `SELECT width_bucket(l.created_at, $2::bigint[]) - 1 AS i, ${FIGURE_COLUMNS}
         FROM ledger l WHERE l.store_id = $1 AND l.created_at >= $3 AND l.created_at < $4 GROUP BY 1`,
        [storeId, bounds, bounds[0], bounds.at(-1)],
      );
      return figuresByRange(ranges.length, rows);
    },
    async entries(storeId, range, limit) {
      return query<ReportEntry>(
        pool,
        `SELECT ${ENTRY_COLUMNS} FROM ledger l LEFT JOIN products p ON p.id = l.product_id
         WHERE l.store_id = $1 AND l.created_at >= $2 AND l.created_at < $3 ORDER BY l.id LIMIT $4`,
        [storeId, range.start, range.end, limit],
      );
    },
  };
}
