-- DESIGN §4: signed checkpoints are evidence, append-only like the ledger they vouch for (the same refusal
-- function as 0001).
CREATE TRIGGER ledger_checkpoint_refuse_update_delete
  BEFORE UPDATE OR DELETE ON ledger_checkpoint
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_checkpoint_refuse_truncate
  BEFORE TRUNCATE ON ledger_checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
