import type Database from 'better-sqlite3';
import { PRODUCT_COLUMNS, productView, type ProductRow, type ProductStore } from '../products.js';
import type { GroupCommit } from './group-commit.js';

/** The SQLite products: small per store, read by an index on (store, id). */
export function createSqliteProducts(client: Database.Database, writes: GroupCommit): ProductStore {
  const q = {
    create: client.prepare<[number, string, number, number, number | null, number], ProductRow>(
      `INSERT INTO products (store_id, name, uses, price_fen, valid_days, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING ${PRODUCT_COLUMNS}`,
    ),
    list: client.prepare<[number, number], ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM products WHERE store_id = ? AND (active = 1 OR ?) ORDER BY id`,
    ),
    archive: client.prepare<[number, number], ProductRow>(
      `UPDATE products SET active = 0 WHERE store_id = ? AND id = ? RETURNING ${PRODUCT_COLUMNS}`,
    ),
  };
  return {
    create(storeId, p, at) {
      return writes.run(() => productView(q.create.get(storeId, p.name, p.uses, p.priceFen, p.validDays, at)!));
    },
    async list(storeId, includeArchived) {
      return q.list.all(storeId, includeArchived ? 1 : 0).map(productView);
    },
    archive(storeId, productId) {
      return writes.run(() => {
        const row = q.archive.get(storeId, productId);
        return row && productView(row);
      });
    },
  };
}
