import { Hono } from 'hono';
import { z } from 'zod';
import { jsonBody, jsonLimit } from '../../../mappings/routes/common.ts';
import { mergedInto, tokenOf, type HistoryDeps } from '../../history/patient-history.ts';
import { isStorableText } from '../../store/unstorable-text.ts';
import type { AppEnv } from '../context.ts';

const part = (max: number) => z.string().trim().max(max).refine(isStorableText, 'must not contain NUL characters or unpaired surrogates');

/** An identifier as the EHR writes it (HL7 CX): its value, assigning authority (CX-4) and type (CX-5). */
export const identifierSchema = z
  .object({
    value: part(256).pipe(z.string().min(1, 'the identifier itself is required')),
    /** CX-4: the namespace id, or the universal id (an OID) when the sender gives no namespace */
    authority: part(256).default(''),
    /** CX-5: MR for a medical record number, VN for a visit number, … */
    type: part(32).default(''),
  })
  .strict();

export const tokenRequest = z.union([z.object({ patient: identifierSchema }).strict(), z.object({ encounter: identifierSchema }).strict()], {
  error: 'give either patient or encounter: an identifier with value, authority and type',
});

/**
 * POST /api/tokens: the token the gateway gives a patient identifier (`pt_…`) or a visit number (`enc_…`), so that
 * a pharmacist or compliance officer can read that patient's or stay's history in the ledger
 * (`GET /api/ledger?patient_ref=` / `?encounter_ref=`), which holds tokens only. `known` says whether the PHI vault
 * holds the token, i.e. whether a message with that identifier has reached the gateway; `merged_from` lists the tokens
 * merged into a patient's (their earlier events are recorded under those). The identifier is PHI: it
 * is not logged or kept.
 */
export function tokenRoutes(deps: Pick<HistoryDeps, 'tokenKey' | 'vault' | 'mergedInto'>) {
  const app = new Hono<AppEnv>();
  app.post('/', jsonLimit, async (c) => {
    const body = await jsonBody(c, tokenRequest);
    if (!body.ok) return body.response;
    if ('encounter' in body.value) {
      const token = tokenOf(deps.tokenKey, 'encounter', body.value.encounter);
      return c.json({ encounter_ref: token, known: (await deps.vault.get(token)) !== undefined });
    }
    const token = tokenOf(deps.tokenKey, 'patient', body.value.patient);
    const [record, mergedFrom] = await Promise.all([deps.vault.get(token), deps.mergedInto ? mergedInto(deps.mergedInto, token) : []]);
    return c.json({ patient_ref: token, known: record !== undefined, merged_from: mergedFrom });
  });
  return app;
}
