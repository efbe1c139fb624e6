-- DESIGN §4: the ledger is append-only. Corrections are new, compensating events that point at the event they
-- correct; UPDATE, DELETE and TRUNCATE are refused here, in the database, so that no code path (and no hurried
-- operator with psql) can rewrite history by accident. Disabling the triggers takes table ownership, and the
-- hash chain plus signed checkpoints catch whoever does that on purpose.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger is append-only: corrections are new events'
    USING DETAIL = format('%s on table %I was refused', TG_OP, TG_TABLE_NAME),
          HINT = 'append a compensating event that points at the event it corrects';
END
$$;
--> statement-breakpoint
CREATE TRIGGER ledger_refuse_update_delete
  BEFORE UPDATE OR DELETE ON ledger
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_refuse_truncate
  BEFORE TRUNCATE ON ledger
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
