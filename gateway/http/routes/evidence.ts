import { Hono } from 'hono';
import { z } from 'zod';
import { requireRole } from '../../auth/middleware.ts';
import type { TokenGrant } from '../../auth/tokens.ts';
import type { Bus } from '../../bus/connection.ts';
import type { BusMessage } from '../../bus/consumer.ts';
import { UnknownConsumerError, getDeadLetter, listDeadLetters, replayDeadLetter } from '../../bus/dead-letter.ts';
import {
  NoReplayerError,
  getQuarantined,
  listQuarantine,
  replayQuarantined,
  type QuarantineReplayer,
} from '../../bus/quarantine.ts';
import type { AppEnv } from '../context.ts';
import { apiError } from '../errors.ts';
import { idParam, pageQuery } from '../paging.ts';
import { ROUTE_ROLES } from '../route-roles.ts';
import { parseInput } from '../validate.ts';

/**
 * Quarantine and dead letters: listed by analysts and compliance (no payloads in listings), read whole by
 * compliance (the raw bytes may hold PHI), replayed by analysts once the cause is fixed.
 */

export const quarantineQuery = pageQuery.extend({ adapter: z.string().max(32).optional(), reason: z.string().max(64).optional() });

/** `consumer`: the durable consumer that gave up, such as `ledger-p0` or `hl7-outbound-HOSP1`. */
export const dlqQuery = pageQuery.extend({ consumer: z.string().min(1).max(128).optional() });

export function quarantineRoutes(deps: { bus: Bus; grants: TokenGrant[]; replayers: ReadonlyMap<string, QuarantineReplayer> }) {
  const app = new Hono<AppEnv>();
  app.get('/', requireRole(deps.grants, ...ROUTE_ROLES.evidenceList), async (c) => {
    const q = parseInput(c, quarantineQuery, c.req.query());
    if (!q.ok) return q.response;
    return c.json(await listQuarantine(deps.bus, q.value));
  });
  app.get('/:id', requireRole(deps.grants, ...ROUTE_ROLES.evidenceRead), async (c) => {
    const id = parseInput(c, idParam, c.req.param('id'));
    if (!id.ok) return id.response;
    const found = await getQuarantined(deps.bus, id.value);
    if (!found) return apiError(c, 404, 'not_found', `no quarantined message ${id.value}`);
    return c.json({ ...found.entry, raw_base64: Buffer.from(found.raw).toString('base64'), raw_text: utf8OrNull(found.raw) });
  });
  app.post('/:id/replay', requireRole(deps.grants, ...ROUTE_ROLES.evidenceReplay), async (c) => {
    const id = parseInput(c, idParam, c.req.param('id'));
    if (!id.ok) return id.response;
    try {
      const outcome = await replayQuarantined(deps.bus, id.value, deps.replayers, c.get('grant')!.label);
      if (!outcome) return apiError(c, 404, 'not_found', `no quarantined message ${id.value}`);
      c.get('log').info({ quarantine_id: id.value, accepted: outcome.accepted }, 'quarantine replay');
      return outcome.accepted
        ? c.json({ id: id.value, ...outcome })
        : apiError(c, 422, 'still_invalid', `replay of ${id.value} was rejected again: ${outcome.reason}`, outcome.details);
    } catch (err) {
      if (err instanceof NoReplayerError) return apiError(c, 409, 'no_replayer', err.message);
      throw err;
    }
  });
  return app;
}

export function dlqRoutes(deps: {
  bus: Bus;
  grants: TokenGrant[];
  handlers: () => ReadonlyMap<string, (batch: BusMessage[]) => Promise<void>>;
}) {
  const app = new Hono<AppEnv>();
  app.get('/', requireRole(deps.grants, ...ROUTE_ROLES.evidenceList), async (c) => {
    const q = parseInput(c, dlqQuery, c.req.query());
    if (!q.ok) return q.response;
    const page = await listDeadLetters(deps.bus, q.value);
    // Listings leave the bodies out: they may hold PHI.
    return c.json({ ...page, entries: page.entries.map(({ body: _body, ...rest }) => rest) });
  });
  app.get('/:id', requireRole(deps.grants, ...ROUTE_ROLES.evidenceRead), async (c) => {
    const id = parseInput(c, idParam, c.req.param('id'));
    if (!id.ok) return id.response;
    const found = await getDeadLetter(deps.bus, id.value);
    return found ? c.json(found) : apiError(c, 404, 'not_found', `no dead letter ${id.value}`);
  });
  app.post('/:id/replay', requireRole(deps.grants, ...ROUTE_ROLES.evidenceReplay), async (c) => {
    const id = parseInput(c, idParam, c.req.param('id'));
    if (!id.ok) return id.response;
    try {
      const outcome = await replayDeadLetter(deps.bus, id.value, deps.handlers(), c.get('grant')!.label);
      if (!outcome) return apiError(c, 404, 'not_found', `no dead letter ${id.value}`);
      c.get('log').info({ dlq_id: id.value, replayed: outcome.replayed }, 'dead letter replay');
      return outcome.replayed
        ? c.json({ id: id.value, replayed: true })
        : apiError(c, 422, 'replay_failed', `replay of dead letter ${id.value} failed again: ${outcome.error}`);
    } catch (err) {
      if (err instanceof UnknownConsumerError) return apiError(c, 409, 'unknown_consumer', err.message);
      throw err;
    }
  });
  return app;
}

function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
