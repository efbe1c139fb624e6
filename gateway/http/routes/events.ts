import { Hono } from 'hono';
import type { Bus } from '../../bus/connection.ts';
import { quarantine, type MessageSource } from '../../bus/quarantine.ts';
import { uuidv7 } from '../../events/ids.ts';
import { AckTimeoutError, acceptEvents, type IntakeDeps } from '../../intake/accept.ts';
import { toCanonicalEvent, type FieldIssue } from '../../intake/api-submission.ts';
import type { Metrics } from '../../metrics.ts';
import { UnstorableEventError } from '../../store/unstorable-text.ts';
import type { AppEnv } from '../context.ts';
import { apiError } from '../errors.ts';

export const MAX_EVENT_BYTES = 512 * 1024;

/** POST /api/events: a trusted system posts one canonical event. */
export function eventRoutes(deps: IntakeDeps & { bus: Bus; metrics: Metrics }) {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => {
    const receivedAt = new Date();
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const log = c.get('log');
    // Known once the body reads as JSON: what a trace of the sender's message id finds the quarantined copy by.
    let source: MessageSource | undefined;
    const reject = async (status: 400 | 413 | 415 | 422, code: string, message: string, details?: FieldIssue[]) => {
      const id = await quarantine(deps.bus, {
        adapter: 'api',
        reason: code,
        message,
        details,
        correlation_id: c.get('correlationId'),
        content_type: c.req.header('content-type') ?? 'application/octet-stream',
        raw: raw.subarray(0, MAX_EVENT_BYTES),
        received_at: receivedAt.toISOString(),
        source,
      });
      deps.metrics.quarantined.inc({ adapter: 'api', reason: code });
      log.warn({ quarantine_id: id, reason: code, fields: details?.map((d) => d.field) }, 'event rejected and quarantined');
      return apiError(c, status, code, message, { issues: details ?? [], quarantine_id: id });
    };

    if (raw.length > MAX_EVENT_BYTES) return reject(413, 'too_large', `an event may be at most ${MAX_EVENT_BYTES} bytes`);
    const contentType = c.req.header('content-type') ?? '';
    if (!/^application\/(json|[\w.+-]+\+json)\b/i.test(contentType)) {
      return reject(415, 'unsupported_media_type', 'send the event as Content-Type: application/json');
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    } catch (err) {
      return reject(400, 'malformed_json', `the body is not valid UTF-8 JSON: ${(err as Error).message}`);
    }
    source = claimedSource(body);
    const result = toCanonicalEvent(body, { receivedAt, correlationId: c.get('correlationId'), newId: () => uuidv7() });
    if (!result.ok) return reject(422, 'invalid_event', 'the event does not match the canonical event schema', result.issues);

    try {
      const [accepted] = await acceptEvents(deps, [result.event]);
      log.info({ event_id: accepted!.event_id, type: result.event.type, duplicate: accepted!.duplicate }, 'event accepted');
      return c.json(accepted!, 202);
    } catch (err) {
      if (err instanceof UnstorableEventError) {
        return reject(422, 'invalid_event', 'the event holds a value the ledger cannot store', [{ field: err.path.replace(/^\$\.?/, ''), message: err.message }]);
      }
      if (err instanceof AckTimeoutError) {
        c.header('Retry-After', '5');
        return apiError(c, 503, 'ack_timeout', err.message);
      }
      throw err;
    }
  });
  return app;
}

/** The sender and message id an event names, valid or not, as far as they are strings. */
function claimedSource(body: unknown): MessageSource | undefined {
  const source = (body as { source?: { sender?: unknown; message_id?: unknown } } | null)?.source;
  if (typeof source !== 'object' || source === null || typeof source.message_id !== 'string' || source.message_id.trim() === '') return undefined;
  return { message_id: source.message_id, ...(typeof source.sender === 'string' ? { sender: source.sender } : {}) };
}
