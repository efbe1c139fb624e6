CREATE TABLE "ledger" (
	"position" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ledger_position_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"chain" text NOT NULL,
	"seq" bigint NOT NULL,
	"event_id" uuid NOT NULL,
	"idempotency_key" text NOT NULL,
	"type" text NOT NULL,
	"class" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp(3) with time zone NOT NULL,
	"event" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "ledger_idempotency_key_key" UNIQUE("idempotency_key"),
	CONSTRAINT "ledger_chain_seq_key" UNIQUE("chain","seq"),
	CONSTRAINT "ledger_seq_positive" CHECK ("ledger"."seq" >= 1),
	CONSTRAINT "ledger_class_known" CHECK ("ledger"."class" in ('ctl', 'gen', 'unm')),
	CONSTRAINT "ledger_hash_hex" CHECK ("ledger"."hash" ~ '^[0-9a-f]{64}$' and "ledger"."prev_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE INDEX "ledger_chain_position_idx" ON "ledger" USING btree ("chain","position");--> statement-breakpoint
CREATE INDEX "ledger_type_position_idx" ON "ledger" USING btree ("type","position");--> statement-breakpoint
CREATE INDEX "ledger_recorded_at_idx" ON "ledger" USING btree ("recorded_at");--> statement-breakpoint
CREATE INDEX "ledger_event_id_idx" ON "ledger" USING btree ("event_id");