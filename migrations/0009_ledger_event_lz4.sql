-- Events of more than ~2 KB (an order with its observations and components) are compressed as they are stored.
-- lz4 costs PostgreSQL less CPU than the default pglz (README, Performance) and reads back faster. Only new rows
-- are affected. PGlite, and a PostgreSQL built without lz4, keep pglz.
DO $$
BEGIN
  ALTER TABLE "ledger" ALTER COLUMN "event" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END $$;
