CREATE TABLE "mapping_code_versions" (
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"op" text NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"changed_by" text NOT NULL,
	"changed_at" timestamp(3) with time zone NOT NULL,
	"reason" text NOT NULL,
	"previous" jsonb,
	"rollback_to" integer,
	"import_id" integer,
	"system" text NOT NULL,
	"facility_id" text NOT NULL,
	"code" text NOT NULL,
	"ndc11" text NOT NULL,
	"display" text,
	CONSTRAINT "mapping_code_versions_key_version_key" UNIQUE("key","version"),
	CONSTRAINT "mapping_code_versions_version_positive" CHECK ("mapping_code_versions"."version" >= 1),
	CONSTRAINT "mapping_code_versions_op_known" CHECK ("mapping_code_versions"."op" in ('create', 'update', 'delete', 'rollback', 'import')),
	CONSTRAINT "mapping_code_versions_key_is_code" CHECK ("mapping_code_versions"."key" = "mapping_code_versions"."system" || '|' || "mapping_code_versions"."facility_id" || '|' || "mapping_code_versions"."code")
);
--> statement-breakpoint
CREATE TABLE "mapping_drug_versions" (
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"op" text NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"changed_by" text NOT NULL,
	"changed_at" timestamp(3) with time zone NOT NULL,
	"reason" text NOT NULL,
	"previous" jsonb,
	"rollback_to" integer,
	"import_id" integer,
	"ndc11" text NOT NULL,
	"ndc_original" text NOT NULL,
	"ndc_layout" text NOT NULL,
	"labeler_code" text NOT NULL,
	"product_code" text NOT NULL,
	"package_code" text NOT NULL,
	"labeler_name" text,
	"proprietary_name" text,
	"nonproprietary_name" text,
	"description" text,
	"dose_form" text,
	"route" text,
	"strength" text,
	"package_size" text,
	"rxnorm_cui" text,
	"product_type" text,
	"fda_dea_schedule" text,
	CONSTRAINT "mapping_drug_versions_key_version_key" UNIQUE("key","version"),
	CONSTRAINT "mapping_drug_versions_version_positive" CHECK ("mapping_drug_versions"."version" >= 1),
	CONSTRAINT "mapping_drug_versions_op_known" CHECK ("mapping_drug_versions"."op" in ('create', 'update', 'delete', 'rollback', 'import')),
	CONSTRAINT "mapping_drug_versions_key_is_ndc11" CHECK ("mapping_drug_versions"."key" = "mapping_drug_versions"."ndc11" and "mapping_drug_versions"."ndc11" ~ '^[0-9]{11}$')
);
--> statement-breakpoint
CREATE TABLE "mapping_facility_versions" (
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"op" text NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"changed_by" text NOT NULL,
	"changed_at" timestamp(3) with time zone NOT NULL,
	"reason" text NOT NULL,
	"previous" jsonb,
	"rollback_to" integer,
	"import_id" integer,
	"facility_id" text NOT NULL,
	"name" text,
	"dea_registration" text,
	"npi" text,
	"address_line1" text,
	"address_line2" text,
	"city" text,
	"state" text,
	"postal_code" text,
	"country" text,
	CONSTRAINT "mapping_facility_versions_key_version_key" UNIQUE("key","version"),
	CONSTRAINT "mapping_facility_versions_version_positive" CHECK ("mapping_facility_versions"."version" >= 1),
	CONSTRAINT "mapping_facility_versions_op_known" CHECK ("mapping_facility_versions"."op" in ('create', 'update', 'delete', 'rollback', 'import')),
	CONSTRAINT "mapping_facility_versions_key_is_facility" CHECK ("mapping_facility_versions"."key" = "mapping_facility_versions"."facility_id")
);
--> statement-breakpoint
CREATE TABLE "mapping_import_runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"table_name" text NOT NULL,
	"started_at" timestamp(3) with time zone NOT NULL,
	"actor" text NOT NULL,
	"reason" text NOT NULL,
	"files" jsonb NOT NULL,
	"counts" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mapping_parked_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "mapping_parked_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"stream_seq" bigint NOT NULL,
	"idempotency_key" text NOT NULL,
	"event_id" uuid NOT NULL,
	"facility_id" text NOT NULL,
	"type" text NOT NULL,
	"pending_id" integer NOT NULL,
	"event" jsonb NOT NULL,
	"parked_at" timestamp(3) with time zone NOT NULL,
	"released_at" timestamp(3) with time zone,
	"released_class" text,
	CONSTRAINT "mapping_parked_events_idempotency_key_key" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "mapping_patient_token_versions" (
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"op" text NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"changed_by" text NOT NULL,
	"changed_at" timestamp(3) with time zone NOT NULL,
	"reason" text NOT NULL,
	"previous" jsonb,
	"rollback_to" integer,
	"import_id" integer,
	"token" text NOT NULL,
	"facility_id" text,
	"status" text NOT NULL,
	"merged_into" text,
	"first_seen_at" timestamp(3) with time zone,
	CONSTRAINT "mapping_patient_token_versions_key_version_key" UNIQUE("key","version"),
	CONSTRAINT "mapping_patient_token_versions_version_positive" CHECK ("mapping_patient_token_versions"."version" >= 1),
	CONSTRAINT "mapping_patient_token_versions_op_known" CHECK ("mapping_patient_token_versions"."op" in ('create', 'update', 'delete', 'rollback', 'import')),
	CONSTRAINT "mapping_patient_token_versions_key_is_token" CHECK ("mapping_patient_token_versions"."key" = "mapping_patient_token_versions"."token")
);
--> statement-breakpoint
CREATE TABLE "mapping_pending_codes" (
	"id" serial PRIMARY KEY NOT NULL,
	"system" text NOT NULL,
	"facility_id" text NOT NULL,
	"code" text NOT NULL,
	"display" text,
	"status" text NOT NULL,
	"first_seen_at" timestamp(3) with time zone NOT NULL,
	"last_seen_at" timestamp(3) with time zone NOT NULL,
	"events_total" integer NOT NULL,
	"resolved_at" timestamp(3) with time zone,
	"resolved_by" text,
	"resolution" jsonb,
	CONSTRAINT "mapping_pending_codes_code_key" UNIQUE("system","facility_id","code"),
	CONSTRAINT "mapping_pending_codes_status_known" CHECK ("mapping_pending_codes"."status" in ('open', 'resolved'))
);
--> statement-breakpoint
CREATE TABLE "mapping_prescriber_versions" (
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"op" text NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"changed_by" text NOT NULL,
	"changed_at" timestamp(3) with time zone NOT NULL,
	"reason" text NOT NULL,
	"previous" jsonb,
	"rollback_to" integer,
	"import_id" integer,
	"npi" text NOT NULL,
	"dea_number" text,
	"name" text,
	"credential" text,
	"active" boolean NOT NULL,
	CONSTRAINT "mapping_prescriber_versions_key_version_key" UNIQUE("key","version"),
	CONSTRAINT "mapping_prescriber_versions_version_positive" CHECK ("mapping_prescriber_versions"."version" >= 1),
	CONSTRAINT "mapping_prescriber_versions_op_known" CHECK ("mapping_prescriber_versions"."op" in ('create', 'update', 'delete', 'rollback', 'import')),
	CONSTRAINT "mapping_prescriber_versions_key_is_npi" CHECK ("mapping_prescriber_versions"."key" = "mapping_prescriber_versions"."npi")
);
--> statement-breakpoint
CREATE TABLE "mapping_schedule_verifications" (
	"ndc11" text PRIMARY KEY NOT NULL,
	"verified_at" timestamp(3) with time zone NOT NULL,
	"verified_by" text NOT NULL,
	"source" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mapping_schedule_versions" (
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"op" text NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"changed_by" text NOT NULL,
	"changed_at" timestamp(3) with time zone NOT NULL,
	"reason" text NOT NULL,
	"previous" jsonb,
	"rollback_to" integer,
	"import_id" integer,
	"ndc11" text NOT NULL,
	"schedule" text NOT NULL,
	"ingredient_schedules" jsonb,
	"source" text NOT NULL,
	"source_value" text,
	"verified_at" timestamp(3) with time zone,
	"change_event_id" uuid,
	"change_event_key" text,
	CONSTRAINT "mapping_schedule_versions_key_version_key" UNIQUE("key","version"),
	CONSTRAINT "mapping_schedule_versions_version_positive" CHECK ("mapping_schedule_versions"."version" >= 1),
	CONSTRAINT "mapping_schedule_versions_op_known" CHECK ("mapping_schedule_versions"."op" in ('create', 'update', 'delete', 'rollback', 'import')),
	CONSTRAINT "mapping_schedule_versions_key_is_ndc11" CHECK ("mapping_schedule_versions"."key" = "mapping_schedule_versions"."ndc11" and "mapping_schedule_versions"."ndc11" ~ '^[0-9]{11}$'),
	CONSTRAINT "mapping_schedule_versions_schedule_known" CHECK ("mapping_schedule_versions"."schedule" in ('II', 'III', 'IV', 'V', 'NC'))
);
--> statement-breakpoint
ALTER TABLE "mapping_parked_events" ADD CONSTRAINT "mapping_parked_events_pending_id_mapping_pending_codes_id_fk" FOREIGN KEY ("pending_id") REFERENCES "public"."mapping_pending_codes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mapping_code_versions_ndc11_idx" ON "mapping_code_versions" USING btree ("ndc11");--> statement-breakpoint
CREATE INDEX "mapping_drug_versions_rxnorm_idx" ON "mapping_drug_versions" USING btree ("rxnorm_cui");--> statement-breakpoint
CREATE INDEX "mapping_parked_events_pending_idx" ON "mapping_parked_events" USING btree ("pending_id","stream_seq");--> statement-breakpoint
CREATE INDEX "mapping_schedule_versions_event_key_idx" ON "mapping_schedule_versions" USING btree ("change_event_key");