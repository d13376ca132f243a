import type { ProductView } from '@scanpush/shared';

/** What a product is made of; ranges are checked by the edge and by the schema's CHECKs. */
export interface NewProduct {
  name: string;
  /** 1..1000. */
  uses: number;
  /** 0..10 000 000. */
  priceFen: number;
  /** 1..3650; null: no expiry. */
  validDays: number | null;
}

/**
 * The card products of each store. Products are never deleted: archiving one stops its sale and keeps
 * it for the ledger rows that name it. Each call is atomic on its own.
 */
export interface ProductStore {
  create(storeId: number, product: NewProduct, at: number): Promise<ProductView>;
  /** The store's products, oldest first; archived ones only with `includeArchived`. */
  list(storeId: number, includeArchived: boolean): Promise<ProductView[]>;
  /** Archives a product of that store; undefined when the store has no such product. Idempotent. */
  archive(storeId: number, productId: number): Promise<ProductView | undefined>;
}

/** A product row as both engines read it (`active` as 0/1 or boolean, `createdAt` in ms). */
export interface ProductRow {
  id: number;
  storeId: number;
  name: string;
  uses: number;
  priceFen: number;
  validDays: number | null;
  active: number | boolean;
  createdAt: number;
}

export const PRODUCT_COLUMNS =
  'id, store_id AS "storeId", name, uses, price_fen AS "priceFen", valid_days AS "validDays", active, created_at AS "createdAt"';

export function productView(row: ProductRow): ProductView {
  return { ...row, active: Boolean(row.active), createdAt: new Date(row.createdAt).toISOString() };
}
