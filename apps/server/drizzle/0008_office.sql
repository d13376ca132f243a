CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor_kind` text NOT NULL,
	`owner_id` integer,
	`session_id` integer,
	`merchant_id` integer,
	`actor_name` text,
	`shop_id` integer,
	`store_id` integer,
	`action` text NOT NULL,
	`subject` text,
	`device` text,
	`client` text,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_store_idx` ON `audit_log` (`store_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_shop_idx` ON `audit_log` (`shop_id`,`id`);--> statement-breakpoint
CREATE TABLE `owner_sessions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`owner_id` integer NOT NULL,
	`token_hash` text NOT NULL,
	`user_agent` text,
	`client` text,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`owner_id`) REFERENCES `owners`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `owner_sessions_token_hash_uq` ON `owner_sessions` (`token_hash`);--> statement-breakpoint
CREATE INDEX `owner_sessions_owner_idx` ON `owner_sessions` (`owner_id`);--> statement-breakpoint
CREATE TABLE `owners` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`shop_id` integer NOT NULL,
	`login` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`disabled_at` integer,
	FOREIGN KEY (`shop_id`) REFERENCES `shops`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `owners_login_uq` ON `owners` (`login`);--> statement-breakpoint
CREATE INDEX `owners_shop_idx` ON `owners` (`shop_id`);--> statement-breakpoint
CREATE TABLE `shops` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `stores` ADD `shop_id` integer REFERENCES shops(id);--> statement-breakpoint
CREATE INDEX `cards_store_idx` ON `cards` (`store_id`);