CREATE TABLE "ledger_checkpoint" (
	"number" bigint PRIMARY KEY NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"key_id" text NOT NULL,
	"previous" text NOT NULL,
	"heads" jsonb NOT NULL,
	"signature" text NOT NULL,
	CONSTRAINT "ledger_checkpoint_number_positive" CHECK ("ledger_checkpoint"."number" >= 1)
);
