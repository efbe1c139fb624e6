import { Hono } from 'hono';
import { z } from 'zod';
import { requireRole } from '../../auth/middleware.ts';
import type { TokenGrant } from '../../auth/tokens.ts';
import { ResendNotRecordedError, ResendRunningError, UnknownOutboundTargetError, type OutboundResends } from '../../../adapters/hl7v2/outbound/resends.ts';
import { facilityIdSchema } from '../../events/schema.ts';
import { jsonBody, jsonLimit, reasonField } from '../../../mappings/routes/common.ts';
import type { AppEnv } from '../context.ts';
import { apiError } from '../errors.ts';
import { ROUTE_ROLES } from '../route-roles.ts';

/** At most this many chosen events in one resend; a time range has no limit. */
export const MAX_RESEND_EVENT_IDS = 1000;

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with its offset, e.g. 2026-12-06T14:00:00Z' });

export const resendBody = z
  .object({
    /** dispenses recorded in the ledger at or after this time */
    since: isoTime.optional(),
    /** … and before this one (default: now) */
    until: isoTime.optional(),
    /** these events instead of a time range (ledger event ids) */
    event_ids: z.array(z.uuid()).min(1).max(MAX_RESEND_EVENT_IDS).optional(),
    reason: reasonField,
    /** true: say what would be sent (200, `preview`), send nothing */
    dry_run: z.boolean().optional(),
  })
  .strict()
  .refine((b) => (b.since === undefined) !== (b.event_ids === undefined), { message: 'give either since (a time range) or event_ids, not both', path: ['since'] })
  .refine((b) => b.since === undefined || b.until === undefined || Date.parse(b.until) > Date.parse(b.since), { message: 'must be after since', path: ['until'] });

/**
 * An analyst's resend of dispenses to an EHR from the ledger (adapters/hl7v2/outbound/resends.ts), its dry run,
 * the list of resends and their cancel. Without outbound targets every facility is unknown (404) and the list is
 * empty.
 */
export function outboundRoutes(deps: { grants: TokenGrant[]; resends: OutboundResends | undefined }) {
  const app = new Hono<AppEnv>();
  app.post('/:facility/resend', requireRole(deps.grants, ...ROUTE_ROLES.outboundResend), jsonLimit, async (c) => {
    const facility = c.req.param('facility');
    if (!facilityIdSchema.safeParse(facility).success || !deps.resends) {
      return apiError(c, 404, 'unknown_target', new UnknownOutboundTargetError(facility).message);
    }
    const body = await jsonBody(c, resendBody);
    if (!body.ok) return body.response;
    const { since, until, event_ids: eventIds, reason, dry_run: dryRun } = body.value;
    const request = {
      facility,
      since: since === undefined ? undefined : new Date(since),
      until: until === undefined ? undefined : new Date(until),
      eventIds,
      actor: c.get('grant')!.label,
      reason,
    };
    try {
      if (dryRun) return c.json({ preview: await deps.resends.preview(request) });
      const job = await deps.resends.start(request);
      c.get('log').info({ resend_id: job.id, target: facility }, 'resend to the EHR asked for');
      return c.json({ resend: job }, 202);
    } catch (err) {
      if (err instanceof UnknownOutboundTargetError) return apiError(c, 404, 'unknown_target', err.message);
      if (err instanceof ResendRunningError) return apiError(c, 409, 'resend_running', err.message, { resend_id: err.runningId ?? null });
      if (err instanceof ResendNotRecordedError) {
        c.get('log').error({ target: facility, error: err.message }, 'resend not started: it could not be recorded in the ledger');
        c.header('Retry-After', '30');
        return apiError(c, 503, 'resend_not_recorded', err.message);
      }
      throw err;
    }
  });
  app.get('/resends', requireRole(deps.grants, ...ROUTE_ROLES.status), async (c) => c.json({ resends: (await deps.resends?.list()) ?? [] }));
  app.delete('/resends/:id', requireRole(deps.grants, ...ROUTE_ROLES.outboundResend), async (c) => {
    const id = z.uuid().safeParse(c.req.param('id'));
    const outcome = id.success && deps.resends ? await deps.resends.cancel(id.data, c.get('grant')!.label) : null;
    if (!outcome) return apiError(c, 404, 'not_found', `no resend ${c.req.param('id').slice(0, 64)}`);
    if (!outcome.cancelled) return apiError(c, 409, 'resend_ended', `resend ${outcome.job.id} has ended already (${outcome.job.state})`, { resend: outcome.job });
    return c.json({ resend: outcome.job });
  });
  return app;
}
