import type { Logger } from 'pino';
import { MllpTlsConfigError } from './errors.ts';
import type { MllpHandler } from './handler.ts';
import type { MllpListenerOptions } from './listener.ts';

/**
 * The MLLP settings as gateway/config.ts will hold them (names are the environment variables), turned into listener
 * options. Pure, so the composition root stays one line and the mapping is tested here.
 */
export interface MllpTransportConfig {
  MLLP_PORT: number;
  MLLP_HOST: string;
  /** unset: no TLS listener */
  MLLP_TLS_PORT?: number | undefined;
  MLLP_TLS_CERT?: string | undefined;
  MLLP_TLS_KEY?: string | undefined;
  MLLP_TLS_CA?: string | undefined;
  MLLP_TLS_REQUIRE_CLIENT_CERT: boolean;
  MLLP_TLS_RELOAD_CHECK_S: number;
  MLLP_MAX_FRAME_BYTES: number;
  MLLP_IDLE_TIMEOUT_MS: number;
  MLLP_MAX_CONNECTIONS: number;
  MLLP_MAX_CONNECTIONS_PER_ADDRESS: number;
  MLLP_MAX_BUFFERED_BYTES: number;
}

export function listenerOptionsFromConfig(config: MllpTransportConfig, deps: { handler: MllpHandler; logger: Logger }): MllpListenerOptions {
  let tls: MllpListenerOptions['tls'] = null;
  if (config.MLLP_TLS_PORT !== undefined) {
    if (!config.MLLP_TLS_CERT) throw new MllpTlsConfigError('MLLP_TLS_CERT', undefined, 'is required when MLLP_TLS_PORT is set');
    if (!config.MLLP_TLS_KEY) throw new MllpTlsConfigError('MLLP_TLS_KEY', undefined, 'is required when MLLP_TLS_PORT is set');
    tls = {
      port: config.MLLP_TLS_PORT,
      certFile: config.MLLP_TLS_CERT,
      keyFile: config.MLLP_TLS_KEY,
      caFile: config.MLLP_TLS_CA,
      requireClientCert: config.MLLP_TLS_REQUIRE_CLIENT_CERT,
      reloadCheckMs: config.MLLP_TLS_RELOAD_CHECK_S * 1000,
    };
  }
  return {
    handler: deps.handler,
    logger: deps.logger,
    host: config.MLLP_HOST,
    port: config.MLLP_PORT,
    tls,
    maxFrameBytes: config.MLLP_MAX_FRAME_BYTES,
    idleTimeoutMs: config.MLLP_IDLE_TIMEOUT_MS,
    maxConnections: config.MLLP_MAX_CONNECTIONS,
    maxConnectionsPerAddress: config.MLLP_MAX_CONNECTIONS_PER_ADDRESS,
    maxBufferedBytes: config.MLLP_MAX_BUFFERED_BYTES,
  };
}
