/**
 * The hash-chained, append-only ledger (DESIGN §4): appending, verifying, listing. Each job lives in its own file;
 * this module is the one callers import.
 */
export { appendEvents, ChainHeads, LedgerConflictError, type AppendOutcome } from './ledger-append.ts';
export { GENESIS_PREV_HASH, ledgerEntryHash, type LedgerHashedEntry } from './ledger-hash.ts';
export { countLedger, findByIdempotencyKeys, findLedgerByMessage, findSourceOfEvent, listLedger, MAX_LEDGER_PAGE, type LedgerEntry, type LedgerListQuery, type LedgerPlace } from './ledger-query.ts';
export { verifyLedger, type LedgerBreak, type VerifyReport } from './ledger-verify.ts';
export { UnstorableEventError } from './unstorable-text.ts';
