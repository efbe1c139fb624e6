import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../auth/tokens.ts';
import type { RunningGateway } from '../../main.ts';
import { startTestGateway } from '../../test-support.ts';

const TOKENS: Record<Role, string> = {
  analyst: 'openapi-analyst-0123456789',
  pharmacist: 'openapi-pharmacist-0123456789',
  compliance: 'openapi-compliance-0123456789',
  admin: 'openapi-admin-0123456789',
  system: 'openapi-system-0123456789',
};

type Operation = { summary: string; security: unknown[]; 'x-roles'?: Role[] };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

describe('GET /openapi.json', () => {
  let gw: RunningGateway;
  let baseUrl: string;
  let stop: () => Promise<void>;
  let doc: Document;

  beforeAll(async () => {
    ({ gw, baseUrl, stop } = await startTestGateway({ AUTH_TOKENS: Object.entries(TOKENS).map(([role, token]) => `${role}:${token}`).join(',') }));
    const res = await fetch(`${baseUrl}/openapi.json`, { headers: { authorization: `Bearer ${TOKENS.analyst}` } });
    expect(res.status).toBe(200);
    doc = (await res.json()) as Document;
  });
  afterAll(async () => {
    await stop?.();
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })));

  it('is a valid OpenAPI 3.1 document (checked by an independent validator) and needs a token', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(result.valid).toBe(true);
    expect((await fetch(`${baseUrl}/openapi.json`)).status).toBe(401);
  });

  it('describes every route the gateway serves, and only those', () => {
    const served = gw.httpRoutes
      .filter((r) => r.method !== 'ALL' && !r.path.startsWith('/ui'))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    const described = operations().map((o) => `${o.method} ${o.path}`);
    expect([...new Set(described)].sort()).toEqual([...new Set(served)].sort());
  });

  it('lists for each route exactly the roles the gateway lets through', async () => {
    const sample: Record<string, string> = { table: 'drugs', key: 'nothing-here', id: '999999', version: '1' };
    for (const { method, path, op } of operations()) {
      if (op.security.length === 0) continue; // open
      const url = baseUrl + path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => sample[name] ?? 'x');
      for (const role of Object.keys(TOKENS) as Role[]) {
        const res = await fetch(url, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${TOKENS[role]}`, 'content-type': 'application/json' },
          // an empty object is refused by every body schema, so no route acts on it
          ...(method === 'get' ? {} : { body: '{}' }),
        });
        await res.arrayBuffer();
        const allowed = op['x-roles']!.includes(role);
        expect(res.status === 403, `${role} ${method} ${path} → ${res.status}`).toBe(!allowed);
        expect(res.status, `${role} ${method} ${path}`).not.toBe(401);
      }
    }
  });
});
