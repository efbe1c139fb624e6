import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration from the environment', () => {
  it('has working defaults for the embedded mode', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ HTTP_PORT: 8080, DATA_DIR: './data', ACK_POINT: 'ledger', PARTITIONS: 4, DUPLICATE_WINDOW_S: 86_400 });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.NATS_URL).toBeUndefined();
  });

  it('coerces numbers and treats empty values as unset', () => {
    const c = loadConfig({ HTTP_PORT: '9090', PARTITIONS: '16', NATS_URL: '' });
    expect(c.HTTP_PORT).toBe(9090);
    expect(c.PARTITIONS).toBe(16);
    expect(c.NATS_URL).toBeUndefined();
  });

  it.each([
    [{ HTTP_PORT: 'eighty' }, 'HTTP_PORT', /must be a number/],
    [{ HTTP_PORT: '70000' }, 'HTTP_PORT', /at most 65535/],
    [{ ACK_POINT: 'sometimes' }, 'ACK_POINT', /one of ledger, bus/],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /postgres:\/\//],
    [{ NATS_URL: 'http://x' }, 'NATS_URL', /nats:\/\/host:port/],
    [{ PARTITIONS: '0' }, 'PARTITIONS', /at least 1/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of/],
    [{ BUS_NAMESPACE: 'a.b' }, 'BUS_NAMESPACE', /letters, digits/],
    [{ HEAP_GROWING_PERCENT: '-1' }, 'HEAP_GROWING_PERCENT', /at least 0/],
    [{ HEAP_GROWING_PERCENT: 'lots' }, 'HEAP_GROWING_PERCENT', /must be a number/],
    [{ EVENTS_MAX_AGE_DAYS: '-1' }, 'EVENTS_MAX_AGE_DAYS', /at least 0/],
    [{ EVENTS_MAX_BYTES: '1.5' }, 'EVENTS_MAX_BYTES', /must be a whole number \(got "1.5"\)/],
    // the default duplicate window is a day: events must be kept at least that long
    [{ EVENTS_MAX_AGE_DAYS: '0.5' }, 'EVENTS_MAX_AGE_DAYS', /cover DUPLICATE_WINDOW_S \(86400 s = 1 days\), got 0.5/],
    [{ EVENTS_MAX_AGE_DAYS: '1', DUPLICATE_WINDOW_S: '90000' }, 'EVENTS_MAX_AGE_DAYS', /cover DUPLICATE_WINDOW_S/],
    [{ HL7_PROCESSING_IDS: 'P,X' }, 'HL7_PROCESSING_IDS', /P, T and D separated by commas/],
  ])('names the variable and what it expects: %o', (env, variable, expectation) => {
    let error: unknown;
    try {
      loadConfig(env as Record<string, string>);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(new RegExp(`^configuration error: ${variable} `));
    expect((error as ConfigError).message).toMatch(expectation);
  });

  it('keeps events a week by default, with no size limit, and takes 0 for no age limit or a window-long age', () => {
    expect(loadConfig({})).toMatchObject({ EVENTS_MAX_AGE_DAYS: 7, EVENTS_MAX_BYTES: 0 });
    expect(loadConfig({ EVENTS_MAX_AGE_DAYS: '0' }).EVENTS_MAX_AGE_DAYS).toBe(0);
    expect(loadConfig({ EVENTS_MAX_AGE_DAYS: '0.25', DUPLICATE_WINDOW_S: '21600' }).EVENTS_MAX_AGE_DAYS).toBe(0.25);
  });

  it('takes production HL7 messages only, unless told to take training or debugging ones too', () => {
    expect(loadConfig({}).HL7_PROCESSING_IDS).toEqual(['P']);
    expect(loadConfig({ HL7_PROCESSING_IDS: ' T , D,T' }).HL7_PROCESSING_IDS).toEqual(['T', 'D']);
  });

  it('refuses AUTH_TOKENS and AUTH_TOKENS_FILE together', () => {
    expect(() => loadConfig({ AUTH_TOKENS: 'admin:0123456789abcdef', AUTH_TOKENS_FILE: '/x' })).toThrow(/AUTH_TOKENS_FILE/);
  });

  it('stops `gateway start` with one line and a non-zero exit code', () => {
    const out = spawnSync(process.execPath, ['bin/gateway.js', 'start'], {
      env: { ...process.env, HTTP_PORT: 'not-a-port' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(out.status).not.toBe(0);
    expect(out.stderr.trim().split('\n')).toEqual([
      'gateway: configuration error: HTTP_PORT must be a number (got "not-a-port")',
    ]);
  });
});
