CREATE TABLE `idempotency` (
	`id` integer PRIMARY KEY NOT NULL,
	`merchant_id` integer NOT NULL,
	`key` text NOT NULL,
	`qr_nonce` text NOT NULL,
	`member_id` integer NOT NULL,
	`store_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `idempotency_merchant_key_uq` ON `idempotency` (`merchant_id`,`key`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
-- The database's history starts here: seqs are renumbered below, so no position taken before means anything.
INSERT INTO `meta` (`key`, `value`) VALUES ('epoch', lower(hex(randomblob(8))));--> statement-breakpoint
-- WITHOUT ROWID (written by hand: drizzle's schema cannot say it): the head is read and bumped by every
-- scan, and a rowid table would keep a second B-tree for the primary key.
CREATE TABLE `streams` (
	`member_id` integer NOT NULL,
	`store_id` integer NOT NULL,
	`last_seq` integer NOT NULL,
	PRIMARY KEY(`member_id`, `store_id`)
) WITHOUT ROWID;
--> statement-breakpoint
DROP INDEX `outbox_member_seq_uq`;--> statement-breakpoint
-- One stream per (member, store): the retained entries are numbered 1, 2, 3, … in their old order.
UPDATE `outbox` SET `seq` = `renumbered`.`n`
FROM (SELECT `id`, ROW_NUMBER() OVER (PARTITION BY `member_id`, `store_id` ORDER BY `seq`) AS `n` FROM `outbox`) AS `renumbered`
WHERE `renumbered`.`id` = `outbox`.`id`;--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_stream_seq_uq` ON `outbox` (`member_id`,`store_id`,`seq`);--> statement-breakpoint
INSERT INTO `streams` (`member_id`, `store_id`, `last_seq`)
SELECT `member_id`, `store_id`, max(`seq`) FROM `outbox` GROUP BY `member_id`, `store_id`;--> statement-breakpoint
-- The deductions' keys move to the idempotency table, pointing at their (renumbered) stream entries.
-- A key whose entry was pruned is not kept: retention prunes the two together from now on.
INSERT INTO `idempotency` (`merchant_id`, `key`, `qr_nonce`, `member_id`, `store_id`, `seq`, `created_at`)
SELECT `l`.`merchant_id`, `l`.`idempotency_key`, `l`.`qr_nonce`, `o`.`member_id`, `o`.`store_id`, `o`.`seq`, `l`.`created_at`
FROM `ledger` AS `l` JOIN `outbox` AS `o` ON `o`.`ledger_id` = `l`.`id`
WHERE `l`.`idempotency_key` IS NOT NULL AND `l`.`merchant_id` IS NOT NULL AND `l`.`qr_nonce` IS NOT NULL
ORDER BY `l`.`id`;--> statement-breakpoint
DROP INDEX `ledger_merchant_idem_uq`;--> statement-breakpoint
ALTER TABLE `ledger` DROP COLUMN `idempotency_key`;--> statement-breakpoint
ALTER TABLE `members` DROP COLUMN `last_seq`;
