import type { EntityData, EntitySpec } from './entities/spec.ts';
import type { VersionOp } from './schema.ts';

/**
 * Versions of a mapping entry, as plain values: what a change adds, how two versions differ, what a rollback
 * restores. No I/O here; the repository reads and writes these rows and the service decides when.
 */

export interface VersionRow {
  key: string;
  version: number;
  op: VersionOp;
  deleted: boolean;
  /** the token label of the request that made the change (`analyst:ab12…`), or `system:…` for the gateway */
  changed_by: string;
  /** ISO-8601 UTC with milliseconds */
  changed_at: string;
  reason: string;
  /** the data of the version this one replaced; null for the first */
  previous: EntityData | null;
  rollback_to: number | null;
  import_id: number | null;
  /** the entry's values in this version */
  data: EntityData;
  /** table-specific bookkeeping columns (schedule versions: change_event_id, change_event_key) */
  extra: Record<string, unknown>;
}

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

/** Who changes, and why: the same for one API call, one form post or one import. */
export interface ChangeContext {
  /** token label of the grant that asked for the change */
  actor: string;
  reason: string;
  correlationId?: string;
}

/** Fields compared to decide whether a change changes anything (verified_at is bookkeeping, not a value). */
const VOLATILE = new Set(['verified_at']);

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  return JSON.stringify(a) === JSON.stringify(b);
}

export function sameData(spec: EntitySpec, a: EntityData, b: EntityData): boolean {
  for (const f of spec.fields) if (!VOLATILE.has(f.name) && !same(a[f.name], b[f.name])) return false;
  return true;
}

/** Field-by-field changes from `before` to `after` (either may be null: creation, deletion). */
export function diffData(spec: EntitySpec, before: EntityData | null, after: EntityData | null): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const f of spec.fields) {
    const b = before ? (before[f.name] ?? null) : null;
    const a = after ? (after[f.name] ?? null) : null;
    if (!same(a, b)) changes.push({ field: f.name, before: b, after: a });
  }
  return changes;
}

/** The data of an entry with only the spec's fields, in the spec's order. */
export function pickData(spec: EntitySpec, row: Record<string, unknown>): EntityData {
  const data: EntityData = {};
  for (const f of spec.fields) data[f.name] = row[f.name] ?? null;
  return data;
}

/** The changes one version made relative to the one before it. */
export function versionChanges(spec: EntitySpec, v: VersionRow): FieldChange[] {
  if (v.deleted) return diffData(spec, v.previous, null);
  return diffData(spec, v.previous, v.data);
}

/** Key fields that an update tried to change (an entry's key is its identity; a new key is a new entry). */
export function changedKeyFields(spec: EntitySpec, current: EntityData, next: EntityData): string[] {
  return spec.keyFields.filter((f) => !same(current[f], next[f]));
}
