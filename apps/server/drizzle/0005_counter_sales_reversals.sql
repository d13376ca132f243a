-- Counter sales and reversals: products per store, card expiry, and the ledger columns of a sale (product,
-- amount paid) and of a reversal (the deduction it undoes, unique; the reason). Only ADD COLUMN and new
-- objects: existing rows read as admin top-ups and deductions, cards as never expiring.
CREATE TABLE `products` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`store_id` integer NOT NULL,
	`name` text NOT NULL,
	`uses` integer NOT NULL,
	`price_fen` integer NOT NULL,
	`valid_days` integer,
	`active` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "products_uses_range" CHECK("products"."uses" BETWEEN 1 AND 1000),
	CONSTRAINT "products_price_range" CHECK("products"."price_fen" BETWEEN 0 AND 10000000),
	CONSTRAINT "products_valid_days_range" CHECK("products"."valid_days" IS NULL OR "products"."valid_days" BETWEEN 1 AND 3650)
);
--> statement-breakpoint
CREATE INDEX `products_store_idx` ON `products` (`store_id`,`id`);--> statement-breakpoint
ALTER TABLE `cards` ADD `expires_at` integer;--> statement-breakpoint
ALTER TABLE `ledger` ADD `product_id` integer;--> statement-breakpoint
ALTER TABLE `ledger` ADD `amount_fen` integer;--> statement-breakpoint
ALTER TABLE `ledger` ADD `reverses_id` integer;--> statement-breakpoint
ALTER TABLE `ledger` ADD `reason` text;--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_reverses_uq` ON `ledger` (`reverses_id`);