-- Fewer pages written per scan (issue 18): ledger and outbox lose AUTOINCREMENT, which rewrote the
-- sqlite_sequence page in every scan's commit, and ledger_reverses_uq indexes only the reversals instead of
-- every deduction's NULL. SQLite cannot drop AUTOINCREMENT in place: both tables are rebuilt with their
-- rows and ids (no foreign key points at either, so foreign_keys can stay on), then their indexes.
CREATE TABLE `__new_ledger` (
	`id` integer PRIMARY KEY NOT NULL,
	`member_id` integer NOT NULL,
	`store_id` integer NOT NULL,
	`kind` text NOT NULL,
	`delta` integer NOT NULL,
	`balance_after` integer NOT NULL,
	`merchant_id` integer,
	`qr_nonce` text,
	`created_at` integer NOT NULL,
	`product_id` integer,
	`amount_fen` integer,
	`reverses_id` integer,
	`reason` text,
	CONSTRAINT "ledger_delta_nonzero" CHECK("__new_ledger"."delta" <> 0)
);
--> statement-breakpoint
INSERT INTO `__new_ledger`("id", "member_id", "store_id", "kind", "delta", "balance_after", "merchant_id", "qr_nonce", "created_at", "product_id", "amount_fen", "reverses_id", "reason") SELECT "id", "member_id", "store_id", "kind", "delta", "balance_after", "merchant_id", "qr_nonce", "created_at", "product_id", "amount_fen", "reverses_id", "reason" FROM `ledger`;--> statement-breakpoint
DROP TABLE `ledger`;--> statement-breakpoint
ALTER TABLE `__new_ledger` RENAME TO `ledger`;--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_qr_nonce_uq` ON `ledger` (`qr_nonce`);--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_reverses_uq` ON `ledger` (`reverses_id`) WHERE "ledger"."reverses_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `ledger_card_idx` ON `ledger` (`member_id`,`store_id`,`id`);--> statement-breakpoint
CREATE INDEX `ledger_store_time_idx` ON `ledger` (`store_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `__new_outbox` (
	`id` integer PRIMARY KEY NOT NULL,
	`member_id` integer NOT NULL,
	`store_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`code` integer NOT NULL,
	`remaining` integer,
	`ledger_id` integer,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	`qr_nonce` text
);
--> statement-breakpoint
INSERT INTO `__new_outbox`("id", "member_id", "store_id", "seq", "code", "remaining", "ledger_id", "created_at", "delivered_at", "qr_nonce") SELECT "id", "member_id", "store_id", "seq", "code", "remaining", "ledger_id", "created_at", "delivered_at", "qr_nonce" FROM `outbox`;--> statement-breakpoint
DROP TABLE `outbox`;--> statement-breakpoint
ALTER TABLE `__new_outbox` RENAME TO `outbox`;--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_stream_seq_uq` ON `outbox` (`member_id`,`store_id`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_ledger_uq` ON `outbox` (`ledger_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_refusal_uq` ON `outbox` (`qr_nonce`,`code`) WHERE "outbox"."qr_nonce" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `outbox_undelivered_idx` ON `outbox` (`member_id`,`store_id`,`seq`) WHERE "outbox"."delivered_at" IS NULL;--> statement-breakpoint
CREATE INDEX `outbox_undelivered_created_idx` ON `outbox` (`created_at`) WHERE "outbox"."delivered_at" IS NULL;