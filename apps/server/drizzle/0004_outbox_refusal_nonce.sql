-- Refusals name their QR nonce, once per result code: a QR refused again for the same reason is not told
-- to the member again. Entries written before this carry no nonce, so a refusal of a QR scanned across
-- the upgrade may be told once more (QRs live a minute).
ALTER TABLE `outbox` ADD `qr_nonce` text;--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_refusal_uq` ON `outbox` (`qr_nonce`,`code`) WHERE "outbox"."qr_nonce" IS NOT NULL;
