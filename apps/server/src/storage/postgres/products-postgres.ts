import type pg from 'pg';
import { PRODUCT_COLUMNS, productView, type ProductRow, type ProductStore } from '../products.js';
import { query } from './pool.js';

/** The PostgreSQL products: single statements, each atomic on its own. */
export function createPostgresProducts(pool: pg.Pool): ProductStore {
  return {
    async create(storeId, p, at) {
      const rows = await query<ProductRow>(
        pool,
        `INSERT INTO products (store_id, name, uses, price_fen, valid_days, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${PRODUCT_COLUMNS}`,
        [storeId, p.name, p.uses, p.priceFen, p.validDays, at],
      );
      return productView(rows[0]!);
    },
    async list(storeId, includeArchived) {
      const rows = await query<ProductRow>(pool, `SELECT ${PRODUCT_COLUMNS} FROM products WHERE store_id = $1 AND (active = 1 OR $2) ORDER BY id`, [
        storeId,
        includeArchived,
      ]);
      return rows.map(productView);
    },
    async archive(storeId, productId) {
      const rows = await query<ProductRow>(pool, `UPDATE products SET active = 0 WHERE store_id = $1 AND id = $2 RETURNING ${PRODUCT_COLUMNS}`, [storeId, productId]);
      return rows[0] && productView(rows[0]);
    },
  };
}
