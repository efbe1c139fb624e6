import { Hono } from 'hono';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingDetail, PendingService } from '../../mappings/pending/service.ts';
import { createDrugResolver } from '../../mappings/resolver.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../mappings/service-errors.ts';
import { MappingService } from '../../mappings/service.ts';
import { parseTokens } from '../auth/tokens.ts';
import { requestContext, type AppEnv } from '../http/context.ts';
import { openTestStore, type TestStore } from '../store/test-support.ts';
import { uiRoutes } from './index.tsx';
import { SessionStore } from './session.ts';
import type { MessageQuery, MessageTrace } from '../trace/message-trace.ts';
import { NoReplayerError } from '../bus/quarantine.ts';
import { UnknownConsumerError, type DeadLetterView } from '../bus/dead-letter.ts';
import type { MllpStatus } from '../../adapters/hl7v2/mllp-status.ts';
import { OutboundResends } from '../../adapters/hl7v2/outbound/resends.ts';
import { uuidv7 } from '../events/ids.ts';
import { appendEvents } from '../store/ledger.ts';
import { patientHistory } from '../history/patient-history.ts';
import { loadPhiKeys } from '../phi/keys.ts';
import { encounterToken, patientToken } from '../phi/token.ts';
import { PhiVault } from '../phi/vault.ts';
import { testEvent } from '../store/test-fixtures/canonical-events.ts';

/**
 * The web UI's routes through `app.request`, on the real mapping service (PostgreSQL): log-in and the session
 * cookie, redirects without a session, CSRF refusals, 403 pages per role, validation problems rendered beside
 * their fields, conflicts, import preview and apply, the pending resolution's errors, log-out and expiry.
 */

const TOKENS = {
  analyst: 'analyst-token-0123456789',
  pharmacist: 'pharmacist-token-0123456789',
  compliance: 'compliance-token-0123456789',
  admin: 'admin-token-0123456789',
  system: 'system-token-0123456789',
};
/** The patient of the history page's tests: their MRN as the EHR writes it, and one visit. */
const HISTORY_MRN = { authority: 'GENHOSP1', type: 'MR', value: 'ZZHISTMRN1' };
const HISTORY_VISIT = { authority: 'GENHOSP1', type: 'VN', value: 'ZZHISTVISIT1' };
const HISTORY_PATIENT_REF = (key: Buffer) => patientToken(key, HISTORY_MRN);
const HISTORY_PRIOR_REF = `pt_${'c'.repeat(64)}`;
const grants = parseTokens(Object.entries(TOKENS).map(([r, t]) => `${r}:${t}`).join(','), 'AUTH_TOKENS');
const logger = pino({ level: 'silent' });

/** The pending queue with one open code; resolve refuses without a schedule, as the real one does for an unknown drug. */
function fakePending(): PendingService {
  const detail: PendingDetail = {
    id: 7,
    system: 'NDC',
    facility_id: 'HOSP1',
    code: '00002120099',
    display: 'AMYVID 50 ML VIAL',
    status: 'open',
    first_seen_at: '2026-11-21T10:00:00.000Z',
    last_seen_at: '2026-11-21T10:00:00.000Z',
    events_total: 2,
    waiting: 2,
    resolved_at: null,
    resolved_by: null,
    resolution: null,
    events: [],
  };
  const fake = {
    list: async () => ({ entries: [detail] }),
    get: async (id: number) => {
      if (id !== 7) throw new NotFoundError(`no pending code ${id}`);
      return detail;
    },
    suggestions: async () => [
      { ndc11: '00002120050', score: 0.9, reasons: ['same product'], description: '50 mL vial', proprietary_name: 'Amyvid', nonproprietary_name: 'florbetapir', strength: '1.9 mCi/mL', schedule: null },
    ],
    resolve: async (_id: number, input: { ndc11: string; schedule?: string }, ctx: { reason: string }) => {
      const problems = [];
      if (!ctx.reason.trim()) problems.push({ field: 'reason', code: 'required', message: 'say why' });
      if (!input.schedule) problems.push({ field: 'schedule', code: 'required', message: `${input.ndc11} has no DEA schedule yet: give one` });
      if (problems.length > 0) throw new ValidationError(problems);
      if (input.ndc11 === '00000000000') throw new ConflictError('already_resolved', 'pending code 7 was resolved by someone else');
      return { pending: { ...detail, resolution: { ndc11: input.ndc11 } }, changes: [], release: { pending_id: 7, released: 2, still_unmapped: 0, recorded: 2 } };
    },
  };
  return fake as unknown as PendingService;
}

/** A browser in miniature: a cookie jar, and forms posted with the CSRF token of the page they came from. */
class Browser {
  cookies = new Map<string, string>();
  constructor(private readonly app: Hono<AppEnv>) {}

  async request(path: string, init: RequestInit = {}, base = 'http://gw.test'): Promise<Response & { html: string }> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await this.app.request(new URL(path, base).toString(), { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return Object.assign(res, { html: await res.text() });
  }

  get(path: string) {
    return this.request(path);
  }

  /** Posts `fields` (urlencoded, or multipart when a value is a File) with the `_csrf` found in `csrfFrom`. */
  async post(path: string, fields: Record<string, string | File>, opts: { csrfFrom?: string; headers?: Record<string, string> } = {}) {
    const csrf = opts.csrfFrom !== undefined ? csrfOf(opts.csrfFrom) : undefined;
    const all: Record<string, string | File> = { ...(csrf !== undefined ? { _csrf: csrf } : {}), ...fields };
    const multipart = Object.values(all).some((v) => typeof v !== 'string');
    let body: BodyInit;
    if (multipart) {
      const fd = new FormData();
      for (const [k, v] of Object.entries(all)) fd.append(k, v);
      body = fd;
    } else {
      body = new URLSearchParams(all as Record<string, string>);
    }
    return this.request(path, { method: 'POST', body, headers: opts.headers ?? {} });
  }

  async login(token: string, next?: string) {
    const page = await this.get(`/ui/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    return this.post('/ui/login', { token, ...(next ? { next } : {}) }, { csrfFrom: page.html });
  }
}

function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF field on the page');
  return m[1]!;
}

/** What the trace of KNOWN-1 finds: an AE, no ledger entry, one event parked on pending code 7, one copy in quarantine. */
const knownTrace: MessageTrace = {
  query: { message_id: 'KNOWN-1' },
  answers: [{ adapter: 'hl7v2', sender: 'PHARM^HOSP1', answered_at: '2026-11-21T10:00:00.000Z', acks: [{ code: 'AE', errors: ['code 101 at RXD-2'] }], event_ids: [] }],
  ledger: [],
  parked: [
    {
      event_id: '01a24fe0-4496-7c92-a27e-8777c1432a1f',
      facility_id: 'HOSP1',
      type: 'rx.dispense',
      pending_id: 7,
      system: 'NDC',
      code: '00002120099',
      parked_at: '2026-11-21T10:00:01.000Z',
      released_at: null,
      adapter: 'hl7v2',
      sender: 'PHARM^HOSP1',
    },
  ],
  quarantine: [
    {
      id: 42,
      quarantined_at: '2026-11-21T10:00:00.000Z',
      received_at: '2026-11-21T10:00:00.000Z',
      adapter: 'hl7v2',
      reason: 'translate',
      message: 'RXD-2 (dispense give code) is required',
      details: [{ code: 101 }],
      correlation_id: 'KNOWN-1',
      content_type: 'application/hl7-v2',
      size: 300,
      source: { sender: 'PHARM^HOSP1', message_id: 'KNOWN-1' },
      state: { status: 'replay_failed', at: '2026-11-21T10:05:00.000Z', by: 'analyst:anal…', result: { accepted: false, reason: 'translate' } },
    },
  ],
  deliveries: [
    {
      event_id: '01a24fe0-4496-7c92-a27e-8777c1432a1f',
      target: 'HOSP1',
      outcome: 'error',
      control_id: 'RX0123456789abcdef01',
      ack: 'AE',
      errors: ['code 204 at PID-3'],
      at: '2026-11-21T10:20:00.000Z',
      attempts: 1,
    },
    {
      event_id: '01a24fe0-4496-7c92-a27e-8777c1432a20',
      target: 'HOSP1',
      outcome: 'sent',
      control_id: 'RX0123456789abcdef02',
      ack: 'CA',
      errors: [],
      at: '2026-11-21T10:21:00.000Z',
      attempts: 1,
      application_ack: { code: 'AR', errors: ['code 206 at RXD-2'], message_id: 'EHRACK-9', at: '2026-11-21T10:25:00.000Z' },
    },
  ],
  truncated: false,
  unavailable: [],
};

/** A dispense an EHR kept refusing; its body stands for the patient data a body may hold, which no page shows. */
const deadLetter: DeadLetterView = {
  id: 5,
  dead_lettered_at: '2026-11-21T10:10:00.000Z',
  stream: 'EVENTS',
  subject: 'ev.ctl.p1.HOSP1.rx.dispense',
  stream_seq: 12,
  consumer: 'hl7-outbound-HOSP1',
  deliveries: 2,
  failures: [
    { at: '2026-11-21T10:09:00.000Z', delivery: 1, error: 'no_answer: #1 answer_timeout' },
    { at: '2026-11-21T10:10:00.000Z', delivery: 2, error: 'OutboundNakError: EHR answered AE to RX1 (code 204 at PID-3)' },
  ],
  body: '{"patient":"ZZSECRETBODY"}',
};

/** One EHR on mutual TLS, one sender on the plain port that has not sent yet. */
const calmMllp: MllpStatus = {
  port: 2575,
  tls_port: 2576,
  max_connections: 256,
  max_connections_per_address: 100,
  tls_certificate_expires: '2027-06-30T00:00:00.000Z',
  buffered_bytes: 4096,
  max_buffered_bytes: 268_435_456,
  paused_for_buffer: 0,
  connections: [
    {
      id: 'c1',
      remote_address: '10.1.2.3',
      remote_port: 50123,
      tls: true,
      peer_identity: 'ehr.example.org',
      last_sender: 'EPIC^GENHOSP1',
      opened_at: '2026-11-21T09:00:00.000Z',
      last_frame_at: '2026-11-21T09:59:58.000Z',
      frames_in: 1200,
      bytes_in: 5_400_000,
      answered: 1199,
      waiting: 1,
    },
    { id: 'c2', remote_address: '10.1.2.9', remote_port: 40000, tls: false, peer_identity: null, last_sender: null, opened_at: '2026-11-21T09:59:00.000Z', last_frame_at: null, frames_in: 0, bytes_in: 0, answered: 0, waiting: 0 },
  ],
  outbound: [
    {
      facility: 'GENHOSP1',
      host: 'ehr.example.org',
      port: 6661,
      tls: true,
      waiting: 3,
      oldest_waiting_s: 95,
      last_outcome: 'unreachable',
      last_ack: null,
      last_at: '2026-11-21T09:59:30.000Z',
      last_sent_at: '2026-11-21T09:58:00.000Z',
    },
  ],
};
let mllp: MllpStatus = calmMllp;

describe('web UI routes', () => {
  const traced: MessageQuery[] = [];
  const listed: unknown[] = [];
  const replayed: [number, string][] = [];
  let ts: TestStore;
  let app: Hono<AppEnv>;
  let resends: OutboundResends;
  let releaseHeldEhr!: () => void;
  const heldEhr = new Promise<void>((resolve) => (releaseHeldEhr = resolve));
  let clock = Date.parse('2026-11-21T10:00:00.000Z');
  const sessions = new SessionStore({ now: () => clock });

  beforeAll(async () => {
    ts = await openTestStore('postgres');
    const service = new MappingService({ store: ts.store, resolver: createDrugResolver(), logger, chain: 'MAPPINGS' });
    // The real resend runner over the test's (empty) ledger: a resend finds nothing to send and is done.
    // HELD's EHR holds the dispense it gets until the test lets it go, so that a resend to it is seen running.
    const held = async () => {
      await heldEhr;
      return { outcome: 'sent' as const };
    };
    resends = new OutboundResends({
      store: ts.store,
      record: async (event) => void (await appendEvents(ts.store, [event], () => new Date())),
      resenders: new Map([
        ['GENHOSP1', async () => ({ outcome: 'sent' as const })],
        ['HELD', held],
      ]),
      logger,
      now: () => new Date(),
      newId: uuidv7,
    });
    await appendEvents(ts.store, [testEvent('HELD', 1)], () => new Date('2026-11-21T08:00:00.000Z'));
    // A patient the gateway has seen: their identifiers in the vault, two dispenses under their token, one of a visit.
    const keys = await loadPhiKeys({ PHI_TOKEN_KEY: '11'.repeat(32), PHI_VAULT_KEY: '22'.repeat(32), DATA_DIR: '/nonexistent' });
    const vault = new PhiVault(ts.store, keys);
    await vault.put(HISTORY_PATIENT_REF(keys.tokenKey), { identifiers: [HISTORY_MRN] });
    await appendEvents(
      ts.store,
      [
        testEvent('HISTFAC', 31, { patient_ref: HISTORY_PATIENT_REF(keys.tokenKey), drug: { ndc11: '00591036901', schedule: 'II' } }),
        testEvent('HISTFAC', 32, {
          type: 'patient.observation',
          patient_ref: HISTORY_PATIENT_REF(keys.tokenKey),
          drug: undefined,
          quantity: undefined,
          payload: {
            encounter_ref: encounterToken(keys.tokenKey, HISTORY_VISIT),
            observations: [{ code: { code: '2160-0', display: 'Creatinine', system: 'LN' }, value: 2.4, unit: 'mg/dL', abnormal: 'H' }],
          },
        }),
        // recorded under an earlier record of the same patient, since merged into theirs (below)
        testEvent('HISTFAC', 33, { patient_ref: HISTORY_PRIOR_REF }),
      ],
      () => new Date('2026-11-21T09:00:00.000Z'),
    );
    const seed = { actor: 'system:patient-merges', reason: 'A40 merge' };
    await service.create('patients', { token: HISTORY_PRIOR_REF, status: 'merged', merged_into: HISTORY_PATIENT_REF(keys.tokenKey) }, seed);
    app = new Hono<AppEnv>();
    app.use('*', requestContext(logger));
    app.route(
      '/ui',
      uiRoutes({
        grants,
        mappings: { service, pending: fakePending(), diagnostics: async () => { throw new Error('not used'); } },
        importMaxBytes: 64 * 1024,
        sessions,
        quarantine: {
          list: async (q) => {
            listed.push(q);
            return { entries: [knownTrace.quarantine[0]!, { ...knownTrace.quarantine[0]!, id: 43, source: null, state: undefined, reason: 'parse' }] };
          },
          replay: async (id, by) => {
            replayed.push([id, by]);
            if (id === 44) throw new NoReplayerError('x12');
            if (id === 43) return { accepted: true, event_ids: ['01a24fe0-4496-7c92-a27e-8777c1432a1f'] };
            return id === 42 ? { accepted: false, reason: 'translate' } : null;
          },
        },
        deadLetters: {
          list: async (q) => {
            listed.push(q);
            return { entries: [deadLetter] };
          },
          replay: async (id, by) => {
            replayed.push([id, by]);
            if (id === 7) throw new UnknownConsumerError('hl7-outbound-GONE');
            if (id === 6) return { replayed: true };
            return id === 5 ? { replayed: false, error: 'OutboundNakError: EHR answered AE to RX1 (code 204 at PID-3)' } : null;
          },
        },
        mllpStatus: async () => mllp,
        resends,
        history: patientHistory({
          store: ts.store,
          tokenKey: keys.tokenKey,
          vault,
          mergedInto: async (token) => (await service.list('patients', { filters: { merged_into: token, status: 'merged' }, limit: 100 })).entries.map((e) => e.key),
        }),
        trace: async (q) => {
          traced.push(q);
          if (q.message_id === 'KNOWN-1') return knownTrace;
          if (q.message_id === 'RX0123456789ABCDEF01') {
            return { ...knownTrace, query: q, sent_as: { control_id: q.message_id, event_id: '01a24fe0-4496-7c92-a27e-8777c1432a1f', message: { message_id: 'KNOWN-1', sender: 'PHARM^HOSP1', adapter: 'hl7v2' } } };
          }
          // DOWN-1: as the trace answers while NATS is unreachable.
          return { query: q, answers: [], ledger: [], parked: [], quarantine: [], deliveries: [], truncated: false, unavailable: q.message_id === 'DOWN-1' ? ['answers', 'quarantine'] : [] };
        },
      }),
    );
    await service.create('drugs', { ndc11: '0002-0800-01', proprietary_name: 'Sterile Diluent', description: '10 mL vial' }, { actor: 'admin:test', reason: 'seed' });
  });
  afterAll(async () => {
    await resends?.stop();
    await ts?.dispose();
  });

  it('redirects every /ui route without a session to the log-in page, and back after log-in', async () => {
    const b = new Browser(app);
    for (const path of ['/ui', '/ui/tables/drugs?q=diluent', '/ui/pending', '/ui/import', '/ui/no-such-page']) {
      const res = await b.get(path);
      expect(res.status, path).toBe(302);
      const location = new URL(res.headers.get('location')!, 'http://gw.test');
      expect(location.pathname).toBe('/ui/login');
      expect(location.searchParams.get('next')).toBe(path);
    }
    const post = await b.post('/ui/tables/drugs/new', { ndc11: '0002-0800-01', reason: 'x' });
    expect(post.status).toBe(303);
    expect(post.headers.get('location')).toBe('/ui/login');

    const loggedIn = await b.login(TOKENS.analyst, '/ui/tables/drugs?q=diluent');
    expect(loggedIn.status).toBe(303);
    expect(loggedIn.headers.get('location')).toBe('/ui/tables/drugs?q=diluent');
    const list = await b.get('/ui/tables/drugs?q=diluent');
    expect(list.status).toBe(200);
    expect(list.html).toContain('00002080001');
    expect(list.html).toContain('Logged in as <strong>analyst:anal…</strong>');
  });

  it('sets an HttpOnly, SameSite=Strict session cookie that does not hold the token (Secure over https)', async () => {
    const b = new Browser(app);
    const page = await b.get('/ui/login');
    expect(page.status).toBe(200);
    expect(page.headers.getSetCookie().join('\n')).toMatch(/rxgate_ui_login=[^;]+; Max-Age=3600; Path=\/ui\/login; HttpOnly; SameSite=Strict/);
    const res = await b.post('/ui/login', { token: TOKENS.analyst }, { csrfFrom: page.html });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('rxgate_ui_session='))!;
    expect(cookie).toMatch(/; Path=\/ui; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain('Secure');
    expect(cookie).not.toContain(TOKENS.analyst);
    expect(cookie).not.toContain(encodeURIComponent(TOKENS.analyst));

    const secure = new Browser(app);
    const sp = await secure.request('/ui/login', {}, 'https://gw.test');
    const sres = await secure.request('/ui/login', { method: 'POST', body: new URLSearchParams({ _csrf: csrfOf(sp.html), token: TOKENS.analyst }) }, 'https://gw.test');
    expect(sres.headers.getSetCookie().find((c) => c.startsWith('rxgate_ui_session='))).toMatch(/; HttpOnly; Secure; SameSite=Strict$/);
    // behind a TLS-terminating proxy
    const proxied = new Browser(app);
    const pp = await proxied.get('/ui/login');
    const pres = await proxied.request('/ui/login', { method: 'POST', body: new URLSearchParams({ _csrf: csrfOf(pp.html), token: TOKENS.analyst }), headers: { 'x-forwarded-proto': 'https' } });
    expect(pres.headers.getSetCookie().find((c) => c.startsWith('rxgate_ui_session='))).toContain('Secure');
  });

  it('refuses a wrong token with the error beside the field, a log-in without its CSRF token, and an open redirect', async () => {
    const b = new Browser(app);
    const page = await b.get('/ui/login');
    const bad = await b.post('/ui/login', { token: 'not-a-token-of-this-gateway' }, { csrfFrom: page.html });
    expect(bad.status).toBe(401);
    expect(bad.html).toMatch(/<p class="error" id="f-token-error"><span class="sr-only">Error: <\/span>This token is not valid.<\/p>/);
    expect(bad.html).toMatch(/<input id="f-token" name="token" aria-describedby="f-token-hint f-token-error" aria-invalid="true"/);
    expect(bad.html).toContain('href="#f-token"');
    expect(b.cookies.has('rxgate_ui_session')).toBe(false);

    const noCsrf = await new Browser(app).post('/ui/login', { token: TOKENS.analyst });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.html).toContain('The log-in form had expired');

    const evil = await b.login(TOKENS.analyst, 'https://evil.example/ui');
    expect(evil.headers.get('location')).toBe('/ui');
    const sneaky = await new Browser(app).login(TOKENS.analyst, '//evil.example/ui/x');
    expect(sneaky.headers.get('location')).toBe('/ui');
  });

  it('refuses every POST without the session’s CSRF token, or sent cross-site', async () => {
    const b = new Browser(app);
    await b.login(TOKENS.analyst);
    const form = await b.get('/ui/tables/prescribers/new');
    const fields = { npi: '1234567893', name: 'Dr CSRF', active: 'true', reason: 'test' };
    const none = await b.post('/ui/tables/prescribers/new', fields);
    expect(none.status).toBe(403);
    expect(none.html).toContain('This form has expired');
    const wrong = await b.post('/ui/tables/prescribers/new', { ...fields, _csrf: 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    const otherSession = new Browser(app);
    await otherSession.login(TOKENS.analyst);
    const foreign = await otherSession.post('/ui/tables/prescribers/new', fields, { csrfFrom: form.html });
    expect(foreign.status).toBe(403);
    const crossSite = await b.post('/ui/tables/prescribers/new', fields, { csrfFrom: form.html, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    expect((await b.get('/ui/tables/prescribers/1234567893')).status).toBe(404);
    const logout = await b.post('/ui/logout', {});
    expect(logout.status).toBe(403);

    const ok = await b.post('/ui/tables/prescribers/new', fields, { csrfFrom: form.html });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/ui/tables/prescribers/1234567893');
    const entry = await b.get('/ui/tables/prescribers/1234567893');
    expect(entry.html).toContain('Added prescriber 1234567893: version 1.');
    expect(entry.html).toContain('by <strong>analyst:anal…</strong>');
  });

  it('answers 403 pages for actions the role may not do', async () => {
    const pharmacist = new Browser(app);
    await pharmacist.login(TOKENS.pharmacist);
    expect((await pharmacist.get('/ui/tables/drugs')).status).toBe(200);
    const entry = await pharmacist.get('/ui/tables/drugs/00002080001');
    expect(entry.status).toBe(200);
    expect(entry.html).not.toContain('Edit this drug');
    for (const path of ['/ui/tables/drugs/new', '/ui/tables/drugs/00002080001/edit', '/ui/tables/drugs/00002080001/history', '/ui/pending', '/ui/pending/7', '/ui/import']) {
      const res = await pharmacist.get(path);
      expect(res.status, path).toBe(403);
      expect(res.html).toContain('<h1>Not allowed</h1>');
      expect(res.html).toContain('Your role, <strong>pharmacist</strong>, may not');
    }
    const post = await pharmacist.post('/ui/tables/drugs/new', { ndc11: '0002-0800-02', reason: 'x' }, { csrfFrom: entry.html });
    expect(post.status).toBe(403);

    const compliance = new Browser(app);
    await compliance.login(TOKENS.compliance);
    expect((await compliance.get('/ui/tables/drugs/00002080001/history')).status).toBe(200);
    expect((await compliance.get('/ui/tables/drugs/00002080001/rollback?to=1')).status).toBe(403);
    const pendingPage = await compliance.get('/ui/pending/7');
    expect(pendingPage.status).toBe(200);
    expect(pendingPage.html).toContain('may see this code but not resolve it');
    expect((await compliance.post('/ui/pending/7/resolve', { ndc11: '00002120050', schedule: 'NC', reason: 'x' }, { csrfFrom: pendingPage.html })).status).toBe(403);

    const analyst = new Browser(app);
    await analyst.login(TOKENS.analyst);
    const imp = await analyst.get('/ui/import');
    expect(imp.status).toBe(200);
    const apply = await analyst.post('/ui/import/apply', { staged: 'x', reason: 'x' }, { csrfFrom: imp.html });
    expect(apply.status).toBe(403);
    expect(apply.html).toContain('may not apply imports');
  });

  it('renders the service’s validation problems beside their fields, keeping what was typed', async () => {
    const b = new Browser(app);
    await b.login(TOKENS.analyst);
    const form = await b.get('/ui/tables/prescribers/new');
    expect(form.html).toMatch(/<label for="f-npi">NPI<span class="muted"> \(required\)<\/span><\/label>/);
    const res = await b.post('/ui/tables/prescribers/new', { npi: '1234567890', dea_number: 'AB1234564', name: 'Dr <Typo>', credential: '', active: 'true', reason: '' }, { csrfFrom: form.html });
    expect(res.status).toBe(422);
    expect(res.html).toContain('<title>Error: Add a prescriber — rxgate</title>');
    // the message beside the field, tied to the control
    expect(res.html).toContain('<p class="error" id="f-npi-error"><span class="sr-only">Error: </span>NPI 1234567890 has check digit 0; the first nine digits give 3</p>');
    expect(res.html).toMatch(/<input id="f-npi" name="npi" aria-describedby="f-npi-hint f-npi-error" aria-invalid="true"[^>]* value="1234567890"/);
    expect(res.html).toContain('id="f-dea_number-error"');
    expect(res.html).toMatch(/id="f-reason-error"><span class="sr-only">Error: <\/span>say why/);
    // the summary links to each field, and what was typed stays
    expect(res.html).toContain('<h2 id="summary-title">There are 3 problems</h2>');
    expect(res.html).toContain('href="#f-npi"');
    expect(res.html).toContain('value="Dr &lt;Typo&gt;"');
    expect((await b.get('/ui/tables/prescribers/1234567890')).status).toBe(404);
  });

  it('edits with the version the form was opened at, and says so when someone changed it meanwhile', async () => {
    const b = new Browser(app);
    await b.login(TOKENS.analyst);
    const form = await b.get('/ui/tables/drugs/00002080001/edit');
    expect(form.html).toContain('name="expected_version" value="1"');
    const saved = await b.post('/ui/tables/drugs/00002080001/edit', { ...formValues(form.html), rxnorm_cui: '1234', reason: 'RxNorm CUI from the label', expected_version: '1' }, { csrfFrom: form.html });
    expect(saved.status).toBe(303);
    const entry = await b.get('/ui/tables/drugs/00002080001');
    expect(entry.html).toContain('Saved drug 00002080001: version 2.');
    const stale = await b.post('/ui/tables/drugs/00002080001/edit', { ...formValues(form.html), rxnorm_cui: '999', reason: 'stale', expected_version: '1' }, { csrfFrom: form.html });
    expect(stale.status).toBe(409);
    expect(stale.html).toContain('Someone else changed this drug after you opened it (it is at version 2 now)');
    const same = await b.post('/ui/tables/drugs/00002080001/edit', { ...formValues(form.html), rxnorm_cui: '1234', reason: 'again', expected_version: '2' }, { csrfFrom: form.html });
    expect(same.status).toBe(303);
    expect((await b.get('/ui/tables/drugs/00002080001')).html).toContain('Nothing changed, so no version was written');

    const history = await b.get('/ui/tables/drugs/00002080001/history');
    expect(history.html).toContain('Version 2: updated');
    expect(history.html).toMatch(/<th scope="row">RxNorm CUI<\/th><td><del>.*empty.*<\/del><\/td><td><ins>1234<\/ins><\/td>/);
    const confirm = await b.get('/ui/tables/drugs/00002080001/rollback?to=1');
    expect(confirm.status).toBe(200);
    const noReason = await b.post('/ui/tables/drugs/00002080001/rollback', { to: '1', expected_version: '2', reason: ' ' }, { csrfFrom: confirm.html });
    expect(noReason.status).toBe(422);
    expect(noReason.html).toContain('id="f-reason-error"');
    const rolled = await b.post('/ui/tables/drugs/00002080001/rollback', { to: '1', expected_version: '2', reason: 'wrong CUI' }, { csrfFrom: confirm.html });
    expect(rolled.status).toBe(303);
    expect((await b.get('/ui/tables/drugs/00002080001/history')).html).toContain('Version 3: rolled back to version 1');
  });

  it('previews a CSV import for an analyst and applies it for an admin', async () => {
    const analyst = new Browser(app);
    await analyst.login(TOKENS.analyst);
    const page = await analyst.get('/ui/import');
    const csv = new File(['npi,name,active\n1003000126,Dr Import,true\n1234567890,Dr Bad,true\n'], 'prescribers.csv', { type: 'text/csv' });
    const preview = await analyst.post('/ui/import/preview', { kind: 'csv', table: 'prescribers', file: csv }, { csrfFrom: page.html });
    expect(preview.status).toBe(200);
    expect(preview.html).toContain('<strong>1</strong> added');
    expect(preview.html).toContain('<strong>1</strong> error');
    expect(preview.html).toContain('has check digit 0');
    expect(preview.html).toContain('may preview imports but not apply them');
    const missing = await analyst.post('/ui/import/preview', { kind: 'csv', table: 'prescribers' }, { csrfFrom: page.html });
    expect(missing.status).toBe(422);
    expect(missing.html).toMatch(/id="csv-file-error"><span class="sr-only">Error: <\/span>Choose a CSV file/);

    const admin = new Browser(app);
    await admin.login(TOKENS.admin);
    const adminPage = await admin.get('/ui/import');
    const adminPreview = await admin.post('/ui/import/preview', { kind: 'csv', table: 'prescribers', file: csv }, { csrfFrom: adminPage.html });
    const staged = /name="staged" value="([^"]+)"/.exec(adminPreview.html)![1]!;
    const noReason = await admin.post('/ui/import/apply', { staged, reason: '' }, { csrfFrom: adminPreview.html });
    expect(noReason.status).toBe(422);
    expect(noReason.html).toContain('id="f-reason-error"');
    const applied = await admin.post('/ui/import/apply', { staged, reason: 'prescriber roster' }, { csrfFrom: adminPreview.html });
    expect(applied.status).toBe(200);
    expect(applied.html).toMatch(/Import run \d+: 1 added, 0 changed/);
    const again = await admin.post('/ui/import/apply', { staged, reason: 'twice' }, { csrfFrom: adminPreview.html });
    expect(again.status).toBe(409);
    const entry = await admin.get('/ui/tables/prescribers/1003000126');
    expect(entry.html).toContain('by <strong>admin:admi…</strong>');

    const big = new File(['npi\n' + '1003000126\n'.repeat(7000)], 'big.csv', { type: 'text/csv' });
    expect((await admin.post('/ui/import/preview', { kind: 'csv', table: 'prescribers', file: big }, { csrfFrom: adminPage.html })).status).toBe(413);
  });

  it('resolves a pending code with one click, and shows the service’s problems beside the resolve form', async () => {
    const b = new Browser(app);
    await b.login(TOKENS.analyst);
    const list = await b.get('/ui/pending');
    expect(list.html).toContain('AMYVID 50 ML VIAL');
    const page = await b.get('/ui/pending/7');
    expect(page.html).toContain('>Resolve to 00002120050, release 2 events</button>');
    const bad = await b.post('/ui/pending/7/resolve', { form: 'suggestion', ndc11: '00002120050', schedule: '', reason: '' }, { csrfFrom: page.html });
    expect(bad.status).toBe(422);
    expect(bad.html).toMatch(/id="s-schedule-error"><span class="sr-only">Error: <\/span>00002120050 has no DEA schedule yet/);
    expect(bad.html).toMatch(/<select id="s-schedule" name="schedule" aria-describedby="s-schedule-error" aria-invalid="true"/);
    expect(bad.html).toContain('id="s-reason-error"');
    const other = await b.post('/ui/pending/7/resolve', { form: 'other', ndc11: '0002-1200-50', schedule: '', reason: 'typed', drug_description: 'x' }, { csrfFrom: page.html });
    expect(other.status).toBe(422);
    expect(other.html).toContain('id="o-schedule-error"');
    expect(other.html).toContain('value="0002-1200-50"');
    const ok = await b.post('/ui/pending/7/resolve', { form: 'suggestion', ndc11: '00002120050', schedule: 'NC', reason: 'same product' }, { csrfFrom: page.html });
    expect(ok.status).toBe(303);
    expect((await b.get('/ui/pending/7')).html).toContain('Resolved NDC 00002120099 to 00002120050: 2 parked events released, 2 recorded in the ledger.');
    expect((await b.get('/ui/pending/8')).status).toBe(404);
    expect((await b.get('/ui/pending/abc')).status).toBe(404);
  });

  it('opens entries whose key has | * and / through its links', async () => {
    const b = new Browser(app);
    await b.login(TOKENS.analyst);
    const form = await b.get('/ui/tables/codes/new');
    const created = await b.post('/ui/tables/codes/new', { system: 'ACME/LOCAL', facility_id: '', code: 'A 1/2', ndc11: '0002-0800-01', display: 'diluent', reason: 'formulary' }, { csrfFrom: form.html });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe('/ui/tables/codes/ACME%2FLOCAL%7C*%7CA%201%2F2');
    const entry = await b.get(created.headers.get('location')!);
    expect(entry.status).toBe(200);
    expect(entry.html).toContain('<h1>Code mapping ACME/LOCAL|*|A 1/2</h1>');
    const list = await b.get('/ui/tables/codes?q=diluent');
    expect(list.html).toContain('href="/ui/tables/codes/ACME%2FLOCAL%7C*%7CA%201%2F2"');
    expect((await b.get('/ui/tables/codes/ACME%2FLOCAL%7C*%7CA%201%2F2/history')).status).toBe(200);
  });

  it('traces a message by its id for the roles that may, with the sender optional and the fields checked', async () => {
    const analyst = new Browser(app);
    await analyst.login(TOKENS.analyst);
    const empty = await analyst.get('/ui/trace');
    expect(empty.status).toBe(200);
    expect(empty.html).toContain('<h1>Trace a message</h1>');
    expect(empty.html).toContain('aria-current="page">Trace a message</a>');
    expect(traced).toEqual([]);

    const known = await analyst.get('/ui/trace?message_id=KNOWN-1&sender=');
    expect(known.status).toBe(200);
    expect(traced).toEqual([{ message_id: 'KNOWN-1' }]);
    expect(known.html).toContain('1 answer, 0 ledger entries, 1 event waiting for a mapping, 1 copy in quarantine.');
    expect(known.html).toContain('<strong>AE</strong> to PHARM^HOSP1 (hl7v2)');
    expect(known.html).toContain('code 101 at RXD-2');
    // The parked event links to its pending code, where it can be resolved.
    expect(known.html).toContain('<a class="mono" href="/ui/pending/7">NDC 00002120099</a>');
    expect(known.html).toContain('RXD-2 (dispense give code) is required');
    expect(known.html).toContain('refused by the EHR (AE); retried, then dead-lettered');
    expect(known.html).toContain('AE; code 204 at PID-3');
    // An EHR in enhanced mode: its CA on the connection, then its application ACK, sent later as a message of its own.
    expect(known.html).toContain('then its application ACK EHRACK-9: AR; code 206 at RXD-2 at <time datetime="2026-11-21T10:25:00.000Z">');
    expect(known.html).toContain('refused again at <time datetime="2026-11-21T10:05:00.000Z">2026-11-21 10:05:00 UTC</time>');

    const unknown = await analyst.get(`/ui/trace?message_id=${encodeURIComponent(' NEVER SENT ')}&sender=EHR%5EH1`);
    expect(traced.at(-1)).toEqual({ message_id: 'NEVER SENT', sender: 'EHR^H1' });
    expect(unknown.html).toContain('Nothing is known of message NEVER SENT from EHR^H1');

    const ours = await analyst.get('/ui/trace?message_id=RX0123456789ABCDEF01');
    expect(ours.html).toContain('RX0123456789ABCDEF01 is the MSH-10 this gateway sent a dispense to an EHR under');
    expect(ours.html).toContain('<a href="/ui/trace?message_id=KNOWN-1&amp;sender=PHARM%5EHOSP1&amp;adapter=hl7v2">KNOWN-1</a> from PHARM^HOSP1.');
    const down = await analyst.get('/ui/trace?message_id=DOWN-1');
    expect(down.html).toContain('Not read just now, their server being unreachable: answers given, quarantine. What is shown may be incomplete.');
    expect(down.html).not.toContain('Nothing is known of message DOWN-1');

    const tooLong = await analyst.get(`/ui/trace?message_id=${'x'.repeat(300)}`);
    expect(tooLong.status).toBe(422);
    expect(tooLong.html).toContain('Give the message id: 1 to 256 characters.');
    expect(tooLong.html).toContain('aria-invalid="true"');
    expect(traced).toHaveLength(4); // KNOWN-1, NEVER SENT, RX…, DOWN-1: the refused one never reached the trace

    for (const role of ['pharmacist', 'compliance', 'admin'] as const) {
      const b = new Browser(app);
      await b.login(TOKENS[role]);
      expect((await b.get('/ui/trace?message_id=KNOWN-1')).status, role).toBe(200);
    }
    const system = new Browser(app);
    await system.login(TOKENS.system);
    const denied = await system.get('/ui/trace?message_id=KNOWN-1');
    expect(denied.status).toBe(403);
    expect(denied.html).toContain('may not trace messages');
    expect(denied.html).not.toContain('Trace a message</a>');
  });

  /** The pages answer in-process; a resend reads the ledger over a socket, which needs turns of the event loop. */
  const resendsEnded = async () => {
    for (let i = 0; i < 500 && (await resends.list()).some((r) => r.state === 'running'); i++) await new Promise((r) => setTimeout(r, 10));
    expect((await resends.list()).filter((r) => r.state === 'running')).toEqual([]);
  };

  it('sends one delivered event again from its trace, for analysts, with a reason', async () => {
    const analyst = new Browser(app);
    await analyst.login(TOKENS.analyst);
    const page = await analyst.get('/ui/trace?message_id=KNOWN-1');
    expect(page.html).toContain('<th scope="col">Send again</th>');
    expect(page.html).toContain('<input type="hidden" name="event_id" value="01a24fe0-4496-7c92-a27e-8777c1432a1f"/>');
    const back = '/ui/trace?message_id=KNOWN-1';
    const event = '01a24fe0-4496-7c92-a27e-8777c1432a1f';

    const noReason = await analyst.post('/ui/trace/resend', { facility: 'GENHOSP1', event_id: event, reason: '', return: back }, { csrfFrom: page.html });
    expect(noReason.headers.get('location')).toBe(back);
    expect((await analyst.get(back)).html).toContain('Not sent again: say why.');
    // HOSP1, the delivery's target in this trace, has no EHR in this gateway.
    await analyst.post('/ui/trace/resend', { facility: 'HOSP1', event_id: event, reason: 'lost at the EHR', return: back }, { csrfFrom: page.html });
    expect((await analyst.get(back)).html).toContain('Not sent again: no EHR receives the dispenses of facility &quot;HOSP1&quot; (HL7_OUTBOUND_TARGETS).');
    await analyst.post('/ui/trace/resend', { facility: 'GENHOSP1', event_id: event, reason: 'lost at the EHR', return: back }, { csrfFrom: page.html });
    expect((await analyst.get(back)).html).toContain(`Event ${event} is being sent again to the EHR of GENHOSP1`);
    expect((await resends.list())[0]).toMatchObject({ facility: 'GENHOSP1', event_ids: 1, reason: 'lost at the EHR' });
    await resendsEnded();

    const pharmacist = new Browser(app);
    await pharmacist.login(TOKENS.pharmacist);
    const read = await pharmacist.get('/ui/trace?message_id=KNOWN-1');
    expect(read.html).not.toContain('Send again');
    expect((await pharmacist.post('/ui/trace/resend', { facility: 'GENHOSP1', event_id: event, reason: 'x' }, { csrfFrom: read.html })).status).toBe(403);
  });

  it('lists the quarantine with its filters, links each message id to its trace, and replays an entry for analysts only', async () => {
    const analyst = new Browser(app);
    await analyst.login(TOKENS.analyst);
    const list = await analyst.get('/ui/quarantine?adapter=hl7v2&reason=');
    expect(list.status).toBe(200);
    expect(listed.at(-1)).toEqual({ adapter: 'hl7v2', limit: 50 });
    expect(list.html).toContain('<a class="mono" href="/ui/trace?message_id=KNOWN-1&amp;sender=PHARM%5EHOSP1&amp;adapter=hl7v2">KNOWN-1</a>');
    expect(list.html).toContain('refused again at <time datetime="2026-11-21T10:05:00.000Z">');
    expect(list.html.match(/aria-label="Replay entry \d+"/g)).toEqual(['aria-label="Replay entry 42"', 'aria-label="Replay entry 43"']);
    // A filter the API would refuse is left out rather than failing the page.
    await analyst.get(`/ui/quarantine?reason=${'r'.repeat(100)}&after=-3`);
    expect(listed.at(-1)).toEqual({ limit: 50 });

    const accepted = await analyst.post('/ui/quarantine/43/replay', { return: '/ui/trace?message_id=KNOWN-1' }, { csrfFrom: list.html });
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toBe('/ui/trace?message_id=KNOWN-1');
    expect(replayed.at(-1)).toEqual([43, 'analyst:anal…']);
    expect((await analyst.get('/ui/trace?message_id=KNOWN-1')).html).toContain('Entry 43 replayed and accepted: 1 event.');
    const refused = await analyst.post('/ui/quarantine/42/replay', { return: 'https://elsewhere.example/ui/quarantine' }, { csrfFrom: list.html });
    expect(refused.headers.get('location')).toBe('/ui/quarantine');
    expect((await analyst.get('/ui/quarantine')).html).toContain('Entry 42 replayed and refused again (translate). It stays in quarantine.');
    await analyst.post('/ui/quarantine/44/replay', {}, { csrfFrom: list.html });
    expect((await analyst.get('/ui/quarantine')).html).toContain('Entry 44 cannot be replayed here: adapter x12 has no replay handler in this gateway.');
    await analyst.post('/ui/quarantine/45/replay', {}, { csrfFrom: list.html });
    expect((await analyst.get('/ui/quarantine')).html).toContain('There is no quarantine entry 45.');
    expect((await analyst.post('/ui/quarantine/43/replay', {})).status).toBe(403); // no CSRF token

    const compliance = new Browser(app);
    await compliance.login(TOKENS.compliance);
    const read = await compliance.get('/ui/quarantine');
    expect(read.status).toBe(200);
    expect(read.html).not.toContain('Replay entry');
    const before = replayed.length;
    expect((await compliance.post('/ui/quarantine/43/replay', {}, { csrfFrom: read.html })).status).toBe(403);
    expect(replayed).toHaveLength(before);
    const pharmacist = new Browser(app);
    await pharmacist.login(TOKENS.pharmacist);
    expect((await pharmacist.get('/ui/quarantine')).status).toBe(403);
  });

  it('lists the dead letters with each failure and no body, and replays one through its consumer for analysts only', async () => {
    const analyst = new Browser(app);
    await analyst.login(TOKENS.analyst);
    const list = await analyst.get('/ui/dead-letters?consumer=hl7-outbound-HOSP1');
    expect(list.status).toBe(200);
    expect(listed.at(-1)).toEqual({ consumer: 'hl7-outbound-HOSP1', limit: 50 });
    expect(list.html).toContain('aria-current="page">Dead letters</a>');
    expect(list.html).toContain('EHR answered AE to RX1 (code 204 at PID-3)');
    // The last failure first, the earlier ones folded away.
    expect(list.html.indexOf('code 204 at PID-3')).toBeLessThan(list.html.indexOf('answer_timeout'));
    expect(list.html).toContain('<summary>1 earlier failure</summary>');
    expect(list.html).not.toContain('ZZSECRETBODY');
    expect(list.html).toContain('aria-label="Replay dead letter 5"');

    const failed = await analyst.post('/ui/dead-letters/5/replay', { return: '/ui/dead-letters?consumer=hl7-outbound-HOSP1' }, { csrfFrom: list.html });
    expect(failed.headers.get('location')).toBe('/ui/dead-letters?consumer=hl7-outbound-HOSP1');
    expect(replayed.at(-1)).toEqual([5, 'analyst:anal…']);
    expect((await analyst.get('/ui/dead-letters')).html).toContain(
      'Dead letter 5 replayed and failed again: OutboundNakError: EHR answered AE to RX1 (code 204 at PID-3)',
    );
    await analyst.post('/ui/dead-letters/6/replay', {}, { csrfFrom: list.html });
    expect((await analyst.get('/ui/dead-letters')).html).toContain('Dead letter 6 replayed: its consumer took it.');
    await analyst.post('/ui/dead-letters/7/replay', {}, { csrfFrom: list.html });
    expect((await analyst.get('/ui/dead-letters')).html).toContain('Dead letter 7 cannot be replayed here: no consumer named hl7-outbound-GONE runs in this gateway.');
    await analyst.post('/ui/dead-letters/8/replay', {}, { csrfFrom: list.html });
    expect((await analyst.get('/ui/dead-letters')).html).toContain('There is no dead letter 8.');

    const compliance = new Browser(app);
    await compliance.login(TOKENS.compliance);
    const read = await compliance.get('/ui/dead-letters');
    expect(read.status).toBe(200);
    expect(read.html).not.toContain('Replay dead letter');
    expect((await compliance.post('/ui/dead-letters/5/replay', {}, { csrfFrom: read.html })).status).toBe(403);
    const pharmacist = new Browser(app);
    await pharmacist.login(TOKENS.pharmacist);
    expect((await pharmacist.get('/ui/dead-letters')).status).toBe(403);
  });

  it('shows the MLLP listener and its open connections to analysts and compliance', async () => {
    const analyst = new Browser(app);
    await analyst.login(TOKENS.analyst);
    const res = await analyst.get('/ui/connections');
    expect(res.status).toBe(200);
    expect(res.html).toContain('listening on port 2575 and TLS port 2576, at most 256 connections at');
    expect(res.html).toContain('once, 100 from any one address.');
    expect(res.html).toContain('The TLS certificate expires <time datetime="2027-06-30T00:00:00.000Z">');
    expect(res.html).toContain('Open connections (2), oldest first');
    expect(res.html).toContain('mutual TLS: ehr.example.org');
    expect(res.html).toContain('EPIC^GENHOSP1');
    expect(res.html).toMatch(/<td class="num">1200<\/td><td class="num">1199<\/td><td class="num">1<\/td>/);
    expect(res.html).toContain('EHRs dispenses are sent on to (1)');
    expect(res.html).toContain('ehr.example.org:6661 (TLS)');
    expect(res.html).toContain('95 s');
    expect(res.html).toContain('unreachable at <time datetime="2026-11-21T09:59:30.000Z">');
    const compliance = new Browser(app);
    await compliance.login(TOKENS.compliance);
    expect((await compliance.get('/ui/connections')).status).toBe(200);
    const pharmacist = new Browser(app);
    await pharmacist.login(TOKENS.pharmacist);
    const denied = await pharmacist.get('/ui/connections');
    expect(denied.status).toBe(403);
    expect(denied.html).toContain('may not see the connections');
  });

  it('says when connections are held back because the listener holds MLLP_MAX_BUFFERED_BYTES', async () => {
    const analyst = new Browser(app);
    await analyst.login(TOKENS.analyst);
    expect((await analyst.get('/ui/connections')).html).not.toContain('not read from now');
    mllp = { ...calmMllp, buffered_bytes: 270_000_000, paused_for_buffer: 3 };
    try {
      const res = await analyst.get('/ui/connections');
      expect(res.html).toMatch(/<p role="alert">3 connections are not read from now: the listener holds\s*270000000 bytes of frames, more than MLLP_MAX_BUFFERED_BYTES \(268435456\)/);
    } finally {
      mllp = calmMllp;
    }
  });

  it('lets analysts send an EHR its dispenses again from the Connections page, and shows how each resend went', async () => {
    const analyst = new Browser(app);
    await analyst.login(TOKENS.analyst);
    const earlier = (await resends.list()).length;
    const page = await analyst.get('/ui/connections');
    expect(page.html).toContain(earlier === 0 ? 'No dispenses have been sent again.' : `Resends (${earlier}), newest first`);
    expect(page.html).toContain('<h2 id="resend-title">Send dispenses again</h2>');
    expect(page.html).toContain('<option value="GENHOSP1" selected="">GENHOSP1</option>');

    // Wrong times: the page again, the problems beside their fields, what was typed kept.
    const wrong = await analyst.post('/ui/connections/resend', { facility: 'GENHOSP1', since: 'yesterday', until: '', reason: 'EHR restored' }, { csrfFrom: page.html });
    expect(wrong.status).toBe(422);
    expect(wrong.html).toContain('Recorded since: must be an ISO 8601 time with its offset, e.g. 2026-12-06T14:00:00Z');
    expect(wrong.html).toContain('aria-invalid="true"');
    expect(wrong.html).toContain('>EHR restored</textarea>');
    const noReason = await analyst.post('/ui/connections/resend', { facility: 'GENHOSP1', since: '2026-11-20T00:00:00Z', until: '2026-11-19T00:00:00Z', reason: '' }, { csrfFrom: page.html });
    expect(noReason.status).toBe(422);
    expect(noReason.html).toContain('Recorded before: must be after since');
    expect(noReason.html).toContain('Why: required: say why');

    // Count first: the form comes back with what would go, nothing is started.
    const counted = await analyst.post('/ui/connections/resend', { facility: 'HELD', since: '2026-11-20T00:00:00Z', until: '', reason: 'EHR restored from backup', action: 'count' }, { csrfFrom: page.html });
    expect(counted.status).toBe(200);
    expect(counted.html).toMatch(/1 dispense or reversal of HELD would be\s+sent again, recorded from <time datetime="2026-11-21T08:00:00.000Z">/);
    expect(counted.html).toContain('>EHR restored from backup</textarea>');
    const countedNothing = await analyst.post('/ui/connections/resend', { facility: 'GENHOSP1', since: '2026-11-20T00:00:00Z', until: '', reason: 'EHR restored from backup', action: 'count' }, { csrfFrom: page.html });
    expect(countedNothing.html).toContain('No dispense of GENHOSP1 was recorded in that range: nothing would be sent.');
    expect((await resends.list()).length).toBe(earlier);

    const started = await analyst.post('/ui/connections/resend', { facility: 'GENHOSP1', since: '2026-11-20T00:00:00Z', until: '', reason: 'EHR restored from backup', action: 'send' }, { csrfFrom: page.html });
    expect(started.status).toBe(303);
    expect(started.headers.get('location')).toBe('/ui/connections');
    const after = await analyst.get('/ui/connections');
    expect(after.html).toContain('Resend to the EHR of GENHOSP1 started: the dispenses recorded from 2026-11-20T00:00:00.000Z to');
    expect(after.html).toContain(`Resends (${earlier + 1}), newest first`);
    expect(after.html).toMatch(/analyst[^<]*: EHR restored from backup/);
    expect((await resends.list())[0]).toMatchObject({ facility: 'GENHOSP1', since: '2026-11-20T00:00:00.000Z', reason: 'EHR restored from backup' });
    await resendsEnded();
    expect((await resends.list())[0]).toMatchObject({ state: 'done', found: 0 });

    const unknown = await analyst.post('/ui/connections/resend', { facility: 'NOPE', since: '2026-11-20T00:00:00Z', reason: 'x' }, { csrfFrom: page.html });
    expect(unknown.status).toBe(303);
    expect((await analyst.get('/ui/connections')).html).toContain('No resend started: no EHR receives the dispenses of facility &quot;NOPE&quot; (HL7_OUTBOUND_TARGETS).');

    // A running resend has a Cancel button; cancelling it ends it at once, its runner after the dispense it sends.
    await analyst.post('/ui/connections/resend', { facility: 'HELD', since: '2026-11-21T00:00:00Z', until: '', reason: 'to be cancelled' }, { csrfFrom: page.html });
    const running = (await resends.list()).find((r) => r.facility === 'HELD')!;
    expect(running.state).toBe('running');
    const withButton = await analyst.get('/ui/connections');
    expect(withButton.html).toContain(`action="/ui/connections/resends/${running.id}/cancel"`);
    await analyst.post(`/ui/connections/resends/${running.id}/cancel`, {}, { csrfFrom: withButton.html });
    expect((await analyst.get('/ui/connections')).html).toContain('Resend to the EHR of HELD cancelled: it stops after the dispense it is sending.');
    expect((await resends.list()).find((r) => r.id === running.id)).toMatchObject({ state: 'cancelled', stopped_reason: expect.stringMatching(/^cancelled by analyst/) });
    releaseHeldEhr();

    // A resend that has ended cannot be cancelled; an unknown one is said to be unknown.
    const done = (await resends.list()).find((r) => r.facility === 'GENHOSP1')!;
    await analyst.post(`/ui/connections/resends/${done.id}/cancel`, {}, { csrfFrom: page.html });
    expect((await analyst.get('/ui/connections')).html).toContain('The resend to the EHR of GENHOSP1 had ended already (done).');
    await analyst.post('/ui/connections/resends/01a24fe0-4496-7c92-a27e-8777c1432a1f/cancel', {}, { csrfFrom: page.html });
    expect((await analyst.get('/ui/connections')).html).toContain('There is no resend 01a24fe0-4496-7c92-a27e-8777c1432a1f.');

    // Compliance sees the resends but cannot start one.
    const compliance = new Browser(app);
    await compliance.login(TOKENS.compliance);
    const read = await compliance.get('/ui/connections');
    expect(read.html).toContain(`Resends (${(await resends.list()).length}), newest first`);
    expect(read.html).not.toContain('Send dispenses again');
    expect((await compliance.post('/ui/connections/resend', { facility: 'GENHOSP1', since: '2026-11-20T00:00:00Z', reason: 'x' }, { csrfFrom: read.html })).status).toBe(403);
  });

  it("shows a pharmacist one patient's or one visit's events, found by the identifier posted, never put in an address", async () => {
    const pharmacist = new Browser(app);
    await pharmacist.login(TOKENS.pharmacist);
    const form = await pharmacist.get('/ui/patients');
    expect(form.status).toBe(200);
    expect(form.html).toContain('<a href="/ui/patients" aria-current="page">Patient history</a>');
    expect(form.html).toContain('<form method="post" action="/ui/patients"');

    const found = await pharmacist.post('/ui/patients', { kind: 'patient', value: 'ZZHISTMRN1', authority: 'GENHOSP1', type: 'MR' }, { csrfFrom: form.html });
    expect(found.status).toBe(200);
    expect(found.html).toContain('A message with this patient has reached the gateway');
    expect(found.html).toContain('3 events below.');
    expect(found.html).toContain(`One earlier record was merged into this patient; their events are included: <span class="mono">${HISTORY_PRIOR_REF}</span>`);
    expect(found.html).toContain('MSG-HISTFAC-33');
    expect(found.html).toContain('<a href="/ui/trace?message_id=MSG-HISTFAC-31&amp;sender=PHARM%5EHOSP&amp;adapter=hl7v2">MSG-HISTFAC-31</a>');
    expect(found.html).toMatch(/<td class="mono">00591036901<\/td><td>II<\/td>/);
    // what each event was about: the results with their values and flags
    expect(found.html).toMatch(/<th scope="row">patient.observation<\/th><td>Creatinine 2.4 mg\/dL H<\/td>/);
    expect(found.headers.get('location')).toBeNull();

    const visit = await pharmacist.post('/ui/patients', { kind: 'encounter', value: 'ZZHISTVISIT1', authority: 'GENHOSP1', type: '' }, { csrfFrom: form.html });
    expect(visit.html).toContain('1 event below.');
    expect(visit.html).toContain('MSG-HISTFAC-32');
    expect(visit.html).toContain('No message with this visit has reached the gateway'); // the vault keeps visits the translator saw

    const stranger = await pharmacist.post('/ui/patients', { kind: 'patient', value: 'ZZNOBODY', authority: 'GENHOSP1', type: 'MR' }, { csrfFrom: form.html });
    expect(stranger.html).toContain('The ledger holds no event under it.');

    const bad = await pharmacist.post('/ui/patients', { kind: 'patient', value: '  ', authority: '', type: '' }, { csrfFrom: form.html });
    expect(bad.status).toBe(422);
    expect(bad.html).toContain('the identifier itself is required');
    expect(bad.html).toContain('aria-invalid="true"');

    const analyst = new Browser(app);
    await analyst.login(TOKENS.analyst);
    expect((await analyst.get('/ui/patients')).status).toBe(403);
    expect((await analyst.get('/ui')).html).not.toContain('Patient history');
  });

  it('sends security headers and no script; unknown pages are 404 pages once logged in', async () => {
    const b = new Browser(app);
    const login = await b.get('/ui/login');
    const csp = login.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.html).not.toContain('<script');
    expect(login.html.startsWith('<!DOCTYPE html><html lang="en">')).toBe(true);
    await b.login(TOKENS.analyst);
    const missing = await b.get('/ui/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('Page not found');
    expect((await b.get('/ui/tables/nonsense')).status).toBe(404);
    expect((await b.get('/ui/tables/drugs/%00')).status).toBe(400);
  });

  it('logs out, and ends idle sessions', async () => {
    const b = new Browser(app);
    await b.login(TOKENS.analyst);
    const home = await b.get('/ui/tables/drugs');
    const out = await b.post('/ui/logout', {}, { csrfFrom: home.html });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/ui/login?out=1');
    expect(out.headers.getSetCookie().join('\n')).toMatch(/rxgate_ui_session=; Max-Age=0/);
    expect((await b.get('/ui/login?out=1')).html).toContain('You are logged out.');

    const idle = new Browser(app);
    await idle.login(TOKENS.analyst);
    const cookie = idle.cookies.get('rxgate_ui_session')!;
    expect((await idle.get('/ui/tables/drugs')).status).toBe(200);
    clock += 31 * 60_000;
    const ended = await idle.get('/ui/tables/drugs');
    expect(ended.status).toBe(302);
    expect(ended.headers.get('location')).toBe('/ui/login?next=%2Fui%2Ftables%2Fdrugs&ended=1');
    // the old id stays dead even if presented again
    idle.cookies.set('rxgate_ui_session', cookie);
    expect((await idle.get('/ui/tables/drugs')).status).toBe(302);
    // and a made-up id was never a session
    const forged = new Browser(app);
    forged.cookies.set('rxgate_ui_session', 'A'.repeat(43));
    expect((await forged.get('/ui')).status).toBe(302);
  });
});

/** The current values of a page's form fields (text inputs and selected options). */
function formValues(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input id="f-[^"]*" name="([^"]+)"[^>]*?value="([^"]*)"/g)) out[m[1]!] = decode(m[2]!);
  for (const m of html.matchAll(/<select id="f-[^"]*" name="([^"]+)"[^>]*>(.*?)<\/select>/g)) {
    const selected = /<option value="([^"]*)" selected=""/.exec(m[2]!);
    if (selected) out[m[1]!] = decode(selected[1]!);
  }
  return out;
}

function decode(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}
