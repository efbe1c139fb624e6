import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNodeHl7Client } from '../../adapters/hl7v2/mllp/testkit/node-hl7-client-sender.ts';
import { startNodeHl7ServerPeer, type NodeHl7ServerPeer } from '../../adapters/hl7v2/mllp/testkit/node-hl7-server-peer.ts';
import { parseMessage } from '../../adapters/hl7v2/parse.ts';
import { handWrittenRds, RDS_PATIENT } from '../../adapters/hl7v2/testing/rds-message.ts';
import type { RunningGateway } from '../main.ts';
import { startTestGateway } from '../test-support.ts';

/**
 * The web UI in a real browser: Debian's chromium driven by playwright-core, against a whole gateway (PostgreSQL,
 * NATS JetStream, HTTP on a free port). An admin imports the FDA directory (dry run, then confirm); an analyst logs
 * in with the keyboard alone, searches, edits (a validation error beside the field, then a valid value), resolves
 * a pending code whose parked event then reaches the ledger, rolls the edit back, and traces an HL7 message to the
 * pending code its dispense waits on, and replays a refused message from the quarantine page and a dead letter
 * from theirs, and counts the dispenses of a range and sends them to an EHR (node-hl7-server) again. Every page is
 * checked for
 * labelled controls, one h1 and text contrast; screenshots go to test-output/ui/.
 */

const CHROMIUM = '/usr/bin/chromium';
const TOKENS = { analyst: 'analyst-token-0123456789', admin: 'admin-token-0123456789', system: 'system-token-0123456789' };
const SHOTS = fileURLToPath(new URL('../../test-output/ui/', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../../conformance/ndc/${name}`, import.meta.url));

describe('web UI in chromium', () => {
  let gw: RunningGateway;
  let base: string;
  let stopGateway: (() => Promise<void>) | undefined;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  let ehr: NodeHl7ServerPeer;

  beforeAll(async () => {
    ehr = await startNodeHl7ServerPeer();
    ({ gw, baseUrl: base, stop: stopGateway } = await startTestGateway({
      PARTITIONS: '2',
      HL7_FACILITY_MAP: 'HOSP1=HOSP1',
      HL7_OUTBOUND_TARGETS: `HOSP1=127.0.0.1:${ehr.port},app=EHR`,
      MAX_DELIVER: '2',
      AUTH_TOKENS: Object.entries(TOKENS).map(([role, token]) => `${role}:${token}`).join(','),
    }));

    await mkdir(SHOTS, { recursive: true });
    profile = await mkdtemp(join(tmpdir(), 'rxgate-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
    });
    context.setDefaultTimeout(15_000);
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await stopGateway?.();
    await ehr?.close();
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  /** What every page must have: one h1, a label for every control, and text contrast of at least 4.5:1. */
  const checkPage = async () => {
    const report = await page.evaluate(() => {
      const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
      const lum = ([r, g, b]: number[]) => {
        const ch = [r!, g!, b!].map((v) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * ch[0]! + 0.7152 * ch[1]! + 0.0722 * ch[2]!;
      };
      const background = (el: Element | null): number[] => {
        for (let e = el; e; e = e.parentElement) {
          const c = parse(getComputedStyle(e).backgroundColor);
          if (c.length === 3 || (c.length === 4 && c[3]! > 0)) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      const lowContrast: string[] = [];
      for (const el of Array.from(document.body.querySelectorAll('*'))) {
        const own = Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
        const box = (el as HTMLElement).getBoundingClientRect();
        if (!own || box.width <= 1 || box.height <= 1) continue;
        const fg = parse(getComputedStyle(el).color).slice(0, 3);
        const bg = background(el);
        const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
        const ratio = (a! + 0.05) / (b! + 0.05);
        if (ratio < 4.5) lowContrast.push(`${el.tagName.toLowerCase()} "${(el.textContent ?? '').trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
      }
      const unlabelled = Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
        .filter((el) => (el as HTMLInputElement).labels?.length === 0)
        .map((el) => el.getAttribute('name'));
      return { h1: document.querySelectorAll('h1').length, unlabelled, lowContrast, lang: document.documentElement.lang };
    });
    expect(report).toEqual({ h1: 1, unlabelled: [], lowContrast: [], lang: 'en' });
  };

  /** Presses Tab until the focused element matches, as a keyboard user would (at most 40 presses). */
  const tabTo = async (matches: (el: { id: string; text: string; tag: string }) => boolean) => {
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const el = await page.evaluate(() => {
        const a = document.activeElement as HTMLElement | null;
        return { id: a?.id ?? '', text: (a?.textContent ?? '').trim(), tag: a?.tagName.toLowerCase() ?? '' };
      });
      if (matches(el)) return el;
    }
    throw new Error('the element was not reached with Tab');
  };

  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('an admin previews the FDA directory import, then applies it', async () => {
    await page.goto(`${base}/ui/import`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.getByLabel('API token').fill(TOKENS.admin);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/ui/import`);
    await checkPage();
    await shot('00-import-form');

    await page.getByLabel('product.txt').setInputFiles(fixture('openfda__ndc_product_trimmed.txt'));
    await page.getByLabel('package.txt').setInputFiles(fixture('openfda__ndc_package_trimmed.txt'));
    await page.getByRole('button', { name: 'Preview FDA import' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toContain('Preview: ');
    await expect.poll(() => page.locator('.counts').innerText()).toMatch(/4 added[\s\S]*1 error/);
    await checkPage();
    await shot('01-import-preview');

    await page.getByLabel('Why (kept with every version the import writes)').fill('FDA NDC Directory, trimmed extract');
    await page.getByRole('button', { name: /Apply the import/ }).click();
    await expect.poll(() => page.locator('h1').textContent()).toContain('Imported openfda__ndc_product_trimmed.txt and openfda__ndc_package_trimmed.txt');
    expect(await page.locator('main').innerText()).toMatch(/Import run \d+: 4 added, 0 changed/);
    await checkPage();
    await shot('02-import-applied');
    expect((await gw.mappings.service.get('drugs', '00002080001'))?.changed_by).toBe('admin:admi…');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/ui/login?out=1`);
    expect(await page.getByRole('status').innerText()).toContain('You are logged out.');
  });

  it('an analyst logs in and searches with the keyboard alone', async () => {
    await page.goto(`${base}/ui/tables/drugs`);
    expect(page.url()).toBe(`${base}/ui/login?next=%2Fui%2Ftables%2Fdrugs`);
    await checkPage();
    await shot('03-login');

    // The first Tab reaches the skip link, which is shown when focused.
    const skip = await tabTo(() => true);
    expect(skip.text).toBe('Skip to main content');
    expect((await page.locator('a.skip').boundingBox())!.y).toBeGreaterThanOrEqual(0);
    await shot('04-skip-link-focused');
    await tabTo((el) => el.id === 'f-token');
    await page.keyboard.type(TOKENS.analyst);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/ui/tables/drugs`);

    await tabTo((el) => el.id === 'f-q');
    await page.keyboard.type('diluent');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/ui/tables/drugs?q=diluent`);
    const rows = page.locator('main table tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain('Sterile Diluent');
    await checkPage();
    await tabTo((el) => el.text === '00002080001');
    await shot('05-search-focused-result');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/ui/tables/drugs/00002080001`);
    await checkPage();
  });

  it('edits a drug: a validation error beside the field, then a valid value', async () => {
    await page.getByRole('link', { name: 'Edit this drug' }).click();
    await page.waitForURL(`${base}/ui/tables/drugs/00002080001/edit`);
    await page.getByLabel('RxNorm CUI').fill('12ab');
    await page.getByLabel('Why (kept with the version)').fill('CUI from the package label');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.title()).toBe('Error: Edit drug 00002080001 — rxgate');

    const field = page.getByLabel('RxNorm CUI');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await field.getAttribute('aria-describedby'))!.split(' ');
    expect(describedBy).toContain('f-rxnorm_cui-error');
    expect(await page.locator('#f-rxnorm_cui-error').innerText()).toContain('an RxNorm CUI (1 to 12 digits)');
    expect(await field.inputValue()).toBe('12ab');
    // the summary has the focus, and its link leads to the field
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('summary');
    await checkPage();
    await shot('06-edit-validation-error');
    await page.getByRole('link', { name: /RxNorm CUI: an RxNorm CUI/ }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-rxnorm_cui');

    await field.fill('1234');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${base}/ui/tables/drugs/00002080001`);
    expect(await page.getByRole('status').innerText()).toContain('Saved drug 00002080001: version 2.');
    expect(await page.locator('main').innerText()).toContain('by analyst:anal…');
    await checkPage();
    await shot('07-edit-saved');
    expect((await gw.mappings.service.get('drugs', '00002080001'))?.data.rxnorm_cui).toBe('1234');
  });

  it('resolves a pending code with one click, and the parked event reaches the ledger', async () => {
    const posted = await api('POST', '/api/events', TOKENS.system, {
      type: 'rx.dispense',
      facility_id: 'HOSP9',
      occurred_at: '2026-11-21T10:00:00Z',
      source: { adapter: 'api', sender: 'PHARM^HOSP', message_id: 'UI-1' },
      drug: { ndc_raw: '0002-1200-99', ndc11: '00002120099', schedule: 'UNMAPPED' },
      quantity: { value: 1, unit: 'EA' },
      payload: { codes: [{ code: '0002-1200-99', system: 'NDC', display: 'AMYVID 50 ML VIAL' }] },
    });
    expect(posted.status).toBe(202);
    expect(posted.json.parked).toBe(true);
    await expect
      .poll(async () => (await api('GET', '/api/mappings/pending?status=open&waiting=true', TOKENS.analyst)).json.entries.map((p: { code: string }) => p.code))
      .toContain('00002120099');

    await page.getByRole('link', { name: 'rxgate' }).click();
    await page.waitForURL(`${base}/ui`);
    await checkPage();
    await shot('08-home-with-pending');
    await page.getByRole('link', { name: '1 open pending code' }).click();
    await page.waitForURL(`${base}/ui/pending`);
    await checkPage();
    await page.getByRole('link', { name: '00002120099' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Pending code NDC 00002120099');
    const button = page.getByRole('button', { name: 'Resolve to 00002120050, release 1 event' });
    expect(await button.count()).toBe(1);
    await checkPage();
    await shot('09-pending-suggestions');

    await page.getByLabel('Why (kept with the mapping versions)').first().fill('Amyvid 50 mL vial; repackaged code');
    await page.locator('#s-schedule').selectOption('NC');
    await button.click();
    await page.waitForURL(/\/ui\/pending\/\d+$/);
    expect(await page.getByRole('status').innerText()).toContain(
      'Resolved NDC 00002120099 to 00002120050: 1 parked event released, 1 recorded in the ledger.',
    );
    await checkPage();
    await shot('10-pending-resolved');

    const ledger = await api('GET', '/api/ledger?facility=HOSP9', TOKENS.admin);
    expect(ledger.json.entries.map((e: { event_id: string }) => e.event_id)).toEqual([posted.json.event_id]);
    expect(ledger.json.entries[0].event.drug).toMatchObject({ ndc11: '00002120050', schedule: 'NC' });
  });

  it('shows the history as a diff and rolls the edit back', async () => {
    await page.goto(`${base}/ui/tables/drugs/00002080001`);
    await page.getByRole('link', { name: 'History and rollback' }).click();
    await page.waitForURL(`${base}/ui/tables/drugs/00002080001/history`);
    const v2 = page.locator('section', { has: page.locator('h2#v-2') });
    expect(await v2.locator('tbody tr').innerText()).toMatch(/RxNorm CUI\s+—\s*empty\s+1234/);
    await checkPage();
    await shot('11-history');

    await page.getByRole('link', { name: 'Roll back to version 1…' }).click();
    await page.waitForURL(`${base}/ui/tables/drugs/00002080001/rollback?to=1`);
    await checkPage();
    await page.getByLabel('Why (kept with the version)').fill('The CUI was for another package');
    await shot('12-rollback-confirm');
    await page.getByRole('button', { name: 'Roll back to version 1' }).click();
    await page.waitForURL(`${base}/ui/tables/drugs/00002080001/history`);
    expect(await page.getByRole('status').innerText()).toContain('Rolled drug 00002080001 back to version 1: version 3.');
    expect(await page.locator('h2#v-3').innerText()).toContain('Version 3: rolled back to version 1');
    await checkPage();
    await shot('13-rolled-back');
    expect((await gw.mappings.service.get('drugs', '00002080001'))?.data.rxnorm_cui).toBeNull();
  });

  it('an analyst traces an HL7 message by its MSH-10 and follows its parked dispense to the pending code', async () => {
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      expect((await sender.send(handWrittenRds('UI-TRACE-1', '55555-4444-03'))).code).toBe('AA');
    } finally {
      await sender.close();
    }
    await page.goto(`${base}/ui`);
    await page.getByRole('link', { name: 'Trace a message' }).click();
    await page.waitForURL(`${base}/ui/trace`);
    await checkPage();
    await page.getByLabel('Message id').fill('UI-TRACE-1');
    await page.getByRole('button', { name: 'Trace' }).click();
    await page.waitForURL(`${base}/ui/trace?message_id=UI-TRACE-1&sender=`);
    const result = page.getByRole('region', { name: 'Message UI-TRACE-1' });
    expect(await result.getByRole('status').innerText()).toBe('1 answer, 0 ledger entries, 1 event waiting for a mapping, 0 copies in quarantine.');
    expect(await result.locator('li').innerText()).toMatch(/^AA to PHARM\^HOSP1 \(hl7v2\) at \d{4}-\d{2}-\d{2} [\d:.]+ UTC; 1 event$/);
    await checkPage();
    await shot('14-trace-parked');
    await page.getByRole('link', { name: 'NDC 55555444403' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Pending code NDC 55555444403');
  });

  it('an analyst finds a refused HL7 message in quarantine and replays it: refused again, recorded on the entry, no second copy', async () => {
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      expect((await sender.send(handWrittenRds('UI-TRACE-2', ''))).code).toBe('AE');
    } finally {
      await sender.close();
    }
    await page.getByRole('link', { name: 'Quarantine' }).click();
    await page.waitForURL(`${base}/ui/quarantine`);
    await checkPage();
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'UI-TRACE-2' }) });
    expect(await row.innerText()).toMatch(/hl7v2 translate[\s\S]*PHARM\^HOSP1[\s\S]*UI-TRACE-2[\s\S]*RXD-2[\s\S]*\bno\b/);
    await shot('15-quarantine');
    await row.getByRole('button', { name: /^Replay entry \d+$/ }).click();
    await page.waitForURL(`${base}/ui/quarantine`);
    expect(await page.getByRole('alert').innerText()).toMatch(/^Entry \d+ replayed and refused again \(translate\)\. It stays in quarantine\.$/);
    expect(await row.innerText()).toMatch(/refused again at \d{4}-\d{2}-\d{2}/);
    await checkPage();
    await row.getByRole('link', { name: 'UI-TRACE-2' }).click();
    await page.waitForURL(/\/ui\/trace\?message_id=UI-TRACE-2&sender=PHARM%5EHOSP1&adapter=hl7v2$/);
    // The replay kept no second copy: the entry records what became of it.
    expect(await page.getByRole('region', { name: 'Message UI-TRACE-2' }).getByRole('status').innerText()).toBe(
      '0 answers, 0 ledger entries, 0 events waiting for a mapping, 1 copy in quarantine.',
    );
  });

  it('an analyst replays a dead letter the ledger writer gave up on, and sees why it failed again', async () => {
    // Straight onto the stream, past the intake: the ledger writer is the one to refuse it, twice, then dead-letter it.
    await gw.bus.js.publish(`${gw.bus.names.namespace}.ev.gen.p0.HOSP9.inv.count`, '{"not":"canonical"}', { msgID: 'ui-junk-1' });
    await expect.poll(async () => (await api('GET', '/api/dlq', TOKENS.analyst)).json.entries.length, { timeout: 15_000 }).toBe(1);
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.waitForURL(`${base}/ui/dead-letters`);
    await checkPage();
    const row = page.locator('tbody tr');
    expect(await row.innerText()).toMatch(/ledger-p0[\s\S]*inv\.count #\d+[\s\S]*\b2\b[\s\S]*not a canonical event[\s\S]*\bno\b/);
    expect(await row.innerText()).not.toContain('canonical"}');
    await shot('16-dead-letters');
    await row.getByRole('button', { name: /^Replay dead letter \d+$/ }).click();
    await page.waitForURL(`${base}/ui/dead-letters`);
    expect(await page.getByRole('alert').innerText()).toMatch(/^Dead letter \d+ replayed and failed again: .*not a canonical event/);
    expect(await row.innerText()).toMatch(/refused again at \d{4}-\d{2}-\d{2}/);
    await checkPage();
  });

  it('an analyst sees who is connected to the MLLP listener', async () => {
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      expect((await sender.send(handWrittenRds('UI-CONN-1'))).code).toBe('AA');
      await page.getByRole('link', { name: 'Connections' }).click();
      await page.waitForURL(`${base}/ui/connections`);
      await checkPage();
      const row = page.locator('tbody tr', { hasText: 'PHARM^HOSP1' });
      expect(await row.innerText()).toMatch(/^127\.0\.0\.1:\d+\s+plain\s+PHARM\^HOSP1\s+\d{4}-\d{2}-\d{2} [\d:.]+ UTC\s+\d{4}-\d{2}-\d{2} [\d:.]+ UTC\s+1\s+1\s+0$/);
      expect(await page.locator('main').innerText()).toMatch(/EHRs dispenses are sent on to \(1\)\s+Facility\s+EHR[^\n]*\n\s*HOSP1\s+127\.0\.0\.1:\d+/);
      await shot('17-connections');
    } finally {
      await sender.close();
    }
  });

  it('an analyst counts the dispenses of a range, sends them to the EHR again, and sees the resend end', async () => {
    // A dispense of a mapped drug, in the ledger and delivered to the EHR once.
    const ctx = { actor: 'analyst:test', reason: 'test fixture' };
    await gw.mappings.service.create('drugs', { ndc11: '00591-0369-01', description: 'Hydrocodone/APAP 5/325 tablet' }, ctx);
    await gw.mappings.service.create('schedules', { ndc11: '00591036901', schedule: 'II' }, ctx);
    const sender = await connectNodeHl7Client({ port: gw.mllp.port! });
    try {
      expect((await sender.send(handWrittenRds('UI-RESEND-1'))).code).toBe('AA');
    } finally {
      await sender.close();
    }
    for (let i = 0; i < 100 && ehr.received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(ehr.received.length).toBeGreaterThanOrEqual(1);

    await page.goto(`${base}/ui/connections`);
    await page.getByLabel('Recorded since').fill('2026-01-01T00:00:00Z');
    await page.getByLabel('Why').fill('the EHR restored its database');
    await page.getByRole('button', { name: 'Count first' }).click();
    const counted = await page.getByRole('status').filter({ hasText: 'would be sent again' }).innerText();
    const found = Number(/^(\d+) (?:dispense or reversal|dispenses and reversals) of HOSP1 would be sent again/.exec(counted)?.[1]);
    expect(found).toBeGreaterThanOrEqual(1);
    await checkPage();
    const before = ehr.received.length;

    await page.getByRole('button', { name: 'Send again' }).click();
    await page.waitForURL(`${base}/ui/connections`);
    expect(await page.locator('main').innerText()).toContain('Resend to the EHR of HOSP1 started');
    const row = page.locator('tbody tr', { hasText: 'the EHR restored its database' });
    for (let i = 0; i < 100 && !/\bdone\b/.test(await row.innerText()); i++) {
      await new Promise((r) => setTimeout(r, 100));
      await page.reload();
    }
    expect(await row.innerText()).toMatch(new RegExp(`\\bdone\\s+${found}\\s+${found}\\s+0\\s+0$`));
    await checkPage();
    await shot('18-resend');
    // The EHR got each dispense once more, under the MSH-10 it had the first time.
    const again = ehr.received.slice(before).map((t) => parseMessage(t).controlId);
    expect(again).toHaveLength(found);
    expect(again.every((id) => ehr.received.slice(0, before).some((t) => parseMessage(t).controlId === id))).toBe(true);
  });

  it("an admin reads one patient's dispenses on the Patient history page, by the MRN the EHR sent", async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/ui/login?out=1`);
    await page.getByLabel('API token').fill(TOKENS.admin);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Patient history' }).click();
    await page.waitForURL(`${base}/ui/patients`);
    await checkPage();
    await page.getByLabel('Identifier (required)').fill(RDS_PATIENT.mrn);
    await page.getByLabel('Assigning authority').fill('HOSP1');
    await page.getByLabel('Identifier type').fill('MR');
    await page.getByRole('button', { name: 'Find' }).click();
    // The form posts: the MRN is in no address.
    await page.waitForURL(`${base}/ui/patients`);
    const result = page.getByRole('region', { name: 'Events of this patient' });
    expect(await result.getByRole('status').innerText()).toMatch(/^A message with this patient has reached the gateway; its token is pt_[0-9a-f]{64}\. \d+ events? below\.$/);
    expect(await result.locator('tbody').innerText()).toContain('UI-RESEND-1');
    expect(page.url()).not.toContain(RDS_PATIENT.mrn);
    await checkPage();
    await shot('19-patient-history');
  });
});
