import { Hono } from 'hono';
import { z } from 'zod';
import { encounterRefSchema, EVENT_TYPES, facilityIdSchema, patientRefSchema } from '../../events/schema.ts';
import type { Store } from '../../store/db.ts';
import { listLedger } from '../../store/ledger.ts';
import { rawPublicKey, type CheckpointKeys } from '../../checkpoints/keys.ts';
import { createCheckpoint, listCheckpoints } from '../../checkpoints/store.ts';
import { verifyLedgerAndCheckpoints } from '../../checkpoints/verify.ts';
import type { AppEnv } from '../context.ts';
import { pageQuery } from '../paging.ts';
import { parseInput } from '../validate.ts';

export const ledgerListQuery = pageQuery.extend({
  facility: facilityIdSchema.optional(),
  type: z.enum(EVENT_TYPES).optional(),
  /** one token, or several separated by commas (a patient and those merged into them: POST /api/tokens' merged_from) */
  patient_ref: z
    .string()
    .transform((text) => text.split(',').map((ref) => ref.trim()))
    .pipe(z.array(patientRefSchema).min(1).max(100))
    .optional(),
  encounter_ref: encounterRefSchema.optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});

export const ledgerVerifyQuery = z.object({ facility: facilityIdSchema.optional() });

/**
 * GET /api/ledger pages through entries; GET /api/ledger/verify recomputes the chains and checks the signed
 * checkpoints; /api/ledger/checkpoints lists them, signs the current heads on request, and names the keys.
 */
export function ledgerRoutes(deps: { store: Store; checkpointKeys: CheckpointKeys; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const q = parseInput(c, ledgerListQuery, c.req.query());
    if (!q.ok) return q.response;
    const { facility, type, patient_ref, encounter_ref, since, until, after, limit } = q.value;
    const page = await listLedger(deps.store, {
      facility,
      type,
      patientRef: patient_ref,
      encounterRef: encounter_ref,
      since: since ? new Date(since) : undefined,
      until: until ? new Date(until) : undefined,
      after,
      limit,
    });
    return c.json(page);
  });
  app.get('/verify', async (c) => {
    const q = parseInput(c, ledgerVerifyQuery, c.req.query());
    if (!q.ok) return q.response;
    const report = await verifyLedgerAndCheckpoints(deps.store, deps.checkpointKeys.trusted, { chain: q.value.facility });
    return c.json(report, 200);
  });
  app.get('/checkpoints', async (c) => {
    const q = parseInput(c, pageQuery, c.req.query());
    if (!q.ok) return q.response;
    const { after, limit } = q.value;
    const rows = await listCheckpoints(deps.store, { after, limit: limit + 1 });
    const checkpoints = rows.slice(0, limit);
    return c.json(rows.length > limit ? { checkpoints, next_after: checkpoints.at(-1)!.number } : { checkpoints });
  });
  app.post('/checkpoints', async (c) => {
    const outcome = await createCheckpoint(deps.store, deps.checkpointKeys, now);
    if (!outcome.checkpoint) return c.json({ created: false, checkpoint: null, message: 'the ledger is empty: nothing to sign' }, 200);
    return c.json(outcome, outcome.created ? 201 : 200);
  });
  app.get('/checkpoints/keys', (c) =>
    c.json({
      signing_key_id: deps.checkpointKeys.keyId,
      trusted: [...deps.checkpointKeys.trusted].map(([id, key]) => ({ key_id: id, ed25519_public_key: rawPublicKey(key).toString('base64') })),
    }),
  );
  return app;
}
