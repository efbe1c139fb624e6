import { Message } from 'node-hl7-client';
import { describe, expect, it } from 'vitest';
import { generateTemplates, instantiate } from './messages.ts';

describe('benchmark messages', () => {
  const templates = generateTemplates({ count: 200, minBytes: 1024, maxBytes: 8192, seed: 7 });

  it('spread over 1–8 KB, both message types', () => {
    const sizes = templates.map((t) => Buffer.byteLength(instantiate(t, 'B-000001')));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8192 + 8);
    expect(Math.max(...sizes)).toBeGreaterThan(7000);
    expect(new Set(templates.map((t) => t.type))).toEqual(new Set(['RDE^O11', 'RDS^O13']));
  });

  it('parse with node-hl7-client (an independent reader) with the control id in MSH-10', () => {
    for (const template of templates.slice(0, 20)) {
      const message = new Message({ text: instantiate(template, 'B-42') });
      expect(message.get('MSH.10').toString()).toBe('B-42');
      expect(message.get('MSH.9.1').toString()).toBe(template.type.slice(0, 3));
      expect(message.get('MSH.12').toString()).toBe('2.5');
    }
  });

  it('are reproducible from the seed', () => {
    expect(generateTemplates({ count: 3, minBytes: 1024, maxBytes: 2048, seed: 1 })).toEqual(generateTemplates({ count: 3, minBytes: 1024, maxBytes: 2048, seed: 1 }));
  });
});
