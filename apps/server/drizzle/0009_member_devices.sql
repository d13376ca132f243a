CREATE TABLE `member_devices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`member_id` integer NOT NULL,
	`session_id` integer,
	`name` text,
	`salt` text NOT NULL,
	`key_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `member_devices_member_idx` ON `member_devices` (`member_id`,`id`);--> statement-breakpoint
CREATE INDEX `member_devices_session_idx` ON `member_devices` (`session_id`);