CREATE TABLE "outbound_resends" (
	"id" uuid PRIMARY KEY NOT NULL,
	"facility" text NOT NULL,
	"actor" text NOT NULL,
	"reason" text NOT NULL,
	"since" timestamp(3) with time zone,
	"until" timestamp(3) with time zone,
	"event_ids" jsonb,
	"state" text NOT NULL,
	"started_at" timestamp(3) with time zone NOT NULL,
	"finished_at" timestamp(3) with time zone,
	"found" integer DEFAULT 0 NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"refused" integer DEFAULT 0 NOT NULL,
	"refused_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"stopped_reason" text,
	"resume_since" timestamp(3) with time zone,
	"after_position" bigint,
	"owner" text,
	"heartbeat_at" timestamp(3) with time zone,
	CONSTRAINT "outbound_resends_state_known" CHECK ("outbound_resends"."state" in ('running', 'done', 'stopped', 'cancelled'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "outbound_resends_one_running_idx" ON "outbound_resends" USING btree ("facility") WHERE "outbound_resends"."state" = 'running';--> statement-breakpoint
CREATE INDEX "outbound_resends_started_at_idx" ON "outbound_resends" USING btree ("started_at");