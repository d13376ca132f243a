CREATE TABLE `notify_credits` (
	`member_id` integer NOT NULL,
	`template_id` text NOT NULL,
	`credits` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`member_id`, `template_id`),
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "notify_credits_non_negative" CHECK("notify_credits"."credits" >= 0)
);
--> statement-breakpoint
CREATE TABLE `notify_jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`member_id` integer NOT NULL,
	`openid` text NOT NULL,
	`store_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`template_id` text NOT NULL,
	`data` text NOT NULL,
	`state` text NOT NULL,
	`due_at` integer NOT NULL,
	`claimed_until` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`reason` text,
	`created_at` integer NOT NULL,
	`settled_at` integer,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "notify_jobs_state" CHECK("notify_jobs"."state" IN ('pending', 'sent', 'dropped'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notify_jobs_entry_uq` ON `notify_jobs` (`member_id`,`store_id`,`seq`,`template_id`);--> statement-breakpoint
CREATE INDEX `notify_jobs_due_idx` ON `notify_jobs` (`state`,`due_at`);--> statement-breakpoint
CREATE TABLE `notify_token` (
	`id` integer PRIMARY KEY NOT NULL,
	`token` text,
	`expires_at` integer,
	`fetched_at` integer,
	`lease_holder` text,
	`lease_until` integer,
	CONSTRAINT "notify_token_one_row" CHECK("notify_token"."id" = 1)
);
--> statement-breakpoint
CREATE INDEX `outbox_undelivered_created_idx` ON `outbox` (`created_at`) WHERE "outbox"."delivered_at" IS NULL;