-- The mapping tables are tables of versions: a change adds a version, never rewrites one (mappings/schema.ts).
-- UPDATE, DELETE and TRUNCATE are refused here, in the database, as on the ledger, so history and rollback can
-- rely on every version still being there.
CREATE FUNCTION mapping_versions_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'mapping versions are append-only: a change is a new version'
    USING DETAIL = format('%s on table %I was refused', TG_OP, TG_TABLE_NAME),
          HINT = 'add a version (update, delete or rollback) instead';
END
$$;
--> statement-breakpoint
CREATE TRIGGER mapping_drug_versions_append_only BEFORE UPDATE OR DELETE ON mapping_drug_versions
  FOR EACH ROW EXECUTE FUNCTION mapping_versions_refuse_change();
--> statement-breakpoint
CREATE TRIGGER mapping_drug_versions_no_truncate BEFORE TRUNCATE ON mapping_drug_versions
  FOR EACH STATEMENT EXECUTE FUNCTION mapping_versions_refuse_change();
--> statement-breakpoint
CREATE TRIGGER mapping_schedule_versions_append_only BEFORE UPDATE OR DELETE ON mapping_schedule_versions
  FOR EACH ROW EXECUTE FUNCTION mapping_versions_refuse_change();
--> statement-breakpoint
CREATE TRIGGER mapping_schedule_versions_no_truncate BEFORE TRUNCATE ON mapping_schedule_versions
  FOR EACH STATEMENT EXECUTE FUNCTION mapping_versions_refuse_change();
--> statement-breakpoint
CREATE TRIGGER mapping_code_versions_append_only BEFORE UPDATE OR DELETE ON mapping_code_versions
  FOR EACH ROW EXECUTE FUNCTION mapping_versions_refuse_change();
--> statement-breakpoint
CREATE TRIGGER mapping_code_versions_no_truncate BEFORE TRUNCATE ON mapping_code_versions
  FOR EACH STATEMENT EXECUTE FUNCTION mapping_versions_refuse_change();
--> statement-breakpoint
CREATE TRIGGER mapping_prescriber_versions_append_only BEFORE UPDATE OR DELETE ON mapping_prescriber_versions
  FOR EACH ROW EXECUTE FUNCTION mapping_versions_refuse_change();
--> statement-breakpoint
CREATE TRIGGER mapping_prescriber_versions_no_truncate BEFORE TRUNCATE ON mapping_prescriber_versions
  FOR EACH STATEMENT EXECUTE FUNCTION mapping_versions_refuse_change();
--> statement-breakpoint
CREATE TRIGGER mapping_facility_versions_append_only BEFORE UPDATE OR DELETE ON mapping_facility_versions
  FOR EACH ROW EXECUTE FUNCTION mapping_versions_refuse_change();
--> statement-breakpoint
CREATE TRIGGER mapping_facility_versions_no_truncate BEFORE TRUNCATE ON mapping_facility_versions
  FOR EACH STATEMENT EXECUTE FUNCTION mapping_versions_refuse_change();
--> statement-breakpoint
CREATE TRIGGER mapping_patient_token_versions_append_only BEFORE UPDATE OR DELETE ON mapping_patient_token_versions
  FOR EACH ROW EXECUTE FUNCTION mapping_versions_refuse_change();
--> statement-breakpoint
CREATE TRIGGER mapping_patient_token_versions_no_truncate BEFORE TRUNCATE ON mapping_patient_token_versions
  FOR EACH STATEMENT EXECUTE FUNCTION mapping_versions_refuse_change();
