CREATE TABLE `cards` (
	`member_id` integer NOT NULL,
	`store_id` integer NOT NULL,
	`remaining` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`member_id`, `store_id`),
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "cards_remaining_non_negative" CHECK("cards"."remaining" >= 0)
);
--> statement-breakpoint
CREATE TABLE `ledger` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`member_id` integer NOT NULL,
	`store_id` integer NOT NULL,
	`kind` text NOT NULL,
	`delta` integer NOT NULL,
	`balance_after` integer NOT NULL,
	`merchant_id` integer,
	`qr_nonce` text,
	`idempotency_key` text,
	`created_at` integer NOT NULL,
	CONSTRAINT "ledger_delta_nonzero" CHECK("ledger"."delta" <> 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_qr_nonce_uq` ON `ledger` (`qr_nonce`);--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_merchant_idem_uq` ON `ledger` (`merchant_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `ledger_card_idx` ON `ledger` (`member_id`,`store_id`,`id`);--> statement-breakpoint
CREATE TABLE `members` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text,
	`openid` text,
	`last_seq` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `members_openid_uq` ON `members` (`openid`);--> statement-breakpoint
CREATE TABLE `merchants` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`store_id` integer NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`store_id`) REFERENCES `stores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`member_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`store_id` integer NOT NULL,
	`code` integer NOT NULL,
	`remaining` integer,
	`ledger_id` integer,
	`created_at` integer NOT NULL,
	`delivered_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_member_seq_uq` ON `outbox` (`member_id`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_ledger_uq` ON `outbox` (`ledger_id`);--> statement-breakpoint
CREATE INDEX `outbox_member_store_idx` ON `outbox` (`member_id`,`store_id`,`seq`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`member_id` integer NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_token_hash_uq` ON `sessions` (`token_hash`);--> statement-breakpoint
CREATE INDEX `sessions_member_idx` ON `sessions` (`member_id`);--> statement-breakpoint
CREATE TABLE `stores` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
