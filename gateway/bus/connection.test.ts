import { errors } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { isNatsUnreachable } from './connection.ts';

const systemError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('isNatsUnreachable', () => {
  it('waits for a server that refuses, resets, stays silent or whose name does not resolve yet', () => {
    expect(isNatsUnreachable(new errors.ConnectionError('connection refused', { cause: systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:4222') }))).toBe(true);
    expect(isNatsUnreachable(new errors.TimeoutError())).toBe(true);
    // What the client throws when getaddrinfo fails: the system error itself.
    expect(isNatsUnreachable(systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND nats'))).toBe(true);
    expect(isNatsUnreachable(systemError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN nats'))).toBe(true);
  });

  it('does not wait for what waiting will not fix', () => {
    expect(isNatsUnreachable(new Error('unexpected response from server'))).toBe(false);
    expect(isNatsUnreachable(new errors.AuthorizationError('Authorization Violation'))).toBe(false);
    expect(isNatsUnreachable(new errors.ConnectionError('TLS required'))).toBe(false);
    expect(isNatsUnreachable('refused')).toBe(false);
  });
});
