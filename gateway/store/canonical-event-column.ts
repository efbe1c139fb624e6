import { customType } from 'drizzle-orm/pg-core';
import { canonicalJson } from '../events/canonical-json.ts';
import type { CanonicalEvent } from '../events/schema.ts';

/**
 * A jsonb column that is written as RFC 8785 canonical JSON. The ledger hashes canonicalJson(event); sending that
 * same text to the database (rather than drizzle's JSON.stringify) means the stored jsonb and the hash start from
 * one serialisation, so nothing the serialiser does differently (key order, -0, Dates) can split them.
 */
export const canonicalEventColumn = customType<{ data: CanonicalEvent; driverData: string }>({
  dataType: () => 'jsonb',
  toDriver: (event) => canonicalJson(event),
  // postgres.js and PGlite both parse jsonb already; a string only arrives if a driver's parser is turned off.
  fromDriver: (value) => (typeof value === 'string' ? (JSON.parse(value) as CanonicalEvent) : (value as CanonicalEvent)),
});
