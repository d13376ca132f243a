-- Refusals name their QR nonce, once per result code (see the SQLite migration 0004). The index is built
-- while the migration holds the startup lock; the outbox holds REPLAY_RETENTION_HOURS of entries, so
-- this takes moments, during which scans wait.
ALTER TABLE "outbox" ADD COLUMN "qr_nonce" text;--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_refusal_uq" ON "outbox" USING btree ("qr_nonce","code") WHERE "outbox"."qr_nonce" IS NOT NULL;
