-- ledger_reverses_uq indexes only the reversals instead of every deduction's NULL (issue 18).
DROP INDEX "ledger_reverses_uq";--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_reverses_uq" ON "ledger" USING btree ("reverses_id") WHERE "ledger"."reverses_id" IS NOT NULL;