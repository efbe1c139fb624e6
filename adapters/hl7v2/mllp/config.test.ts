import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { listenerOptionsFromConfig, type MllpTransportConfig } from './config.ts';
import { MllpTlsConfigError } from './errors.ts';
import { minimalAckHandler } from './testkit/minimal-ack.ts';

const defaults: MllpTransportConfig = {
  MLLP_PORT: 2575,
  MLLP_HOST: '127.0.0.1',
  MLLP_TLS_REQUIRE_CLIENT_CERT: true,
  MLLP_TLS_RELOAD_CHECK_S: 60,
  MLLP_MAX_FRAME_BYTES: 10_485_760,
  MLLP_IDLE_TIMEOUT_MS: 300_000,
  MLLP_MAX_CONNECTIONS: 1000,
  MLLP_MAX_CONNECTIONS_PER_ADDRESS: 100,
  MLLP_MAX_BUFFERED_BYTES: 268_435_456,
};
const deps = { handler: minimalAckHandler(), logger: pino({ level: 'silent' }) };

describe('listenerOptionsFromConfig', () => {
  it('maps the plain listener settings and leaves TLS off when MLLP_TLS_PORT is unset', () => {
    expect(listenerOptionsFromConfig(defaults, deps)).toMatchObject({
      host: '127.0.0.1',
      port: 2575,
      tls: null,
      maxFrameBytes: 10_485_760,
      idleTimeoutMs: 300_000,
      maxConnections: 1000,
      maxConnectionsPerAddress: 100,
      maxBufferedBytes: 268_435_456,
    });
  });

  it('maps the TLS settings', () => {
    const options = listenerOptionsFromConfig(
      { ...defaults, MLLP_TLS_PORT: 2576, MLLP_TLS_CERT: '/etc/rxgate/mllp.crt', MLLP_TLS_KEY: '/etc/rxgate/mllp.key', MLLP_TLS_CA: '/etc/rxgate/ca.crt' },
      deps,
    );
    expect(options.tls).toEqual({ port: 2576, certFile: '/etc/rxgate/mllp.crt', keyFile: '/etc/rxgate/mllp.key', caFile: '/etc/rxgate/ca.crt', requireClientCert: true, reloadCheckMs: 60_000 });
  });

  it('names the missing setting when TLS is on without a certificate or key', () => {
    expect(() => listenerOptionsFromConfig({ ...defaults, MLLP_TLS_PORT: 2576 }, deps)).toThrowError(MllpTlsConfigError);
    expect(() => listenerOptionsFromConfig({ ...defaults, MLLP_TLS_PORT: 2576, MLLP_TLS_CERT: '/c' }, deps)).toThrow(/MLLP_TLS_KEY/);
  });
});
