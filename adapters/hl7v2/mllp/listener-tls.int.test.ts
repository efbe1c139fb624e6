import { readFile } from 'node:fs/promises';
import { connect as tlsConnect } from 'node:tls';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMllpClient } from './client.ts';
import { MllpDeliveryError, MllpListenError, MllpTlsConfigError } from './errors.ts';
import { frame } from './framing.ts';
import { startMllpListener, type MllpListenerOptions, type MllpTlsListenerOptions } from './listener.ts';
import { CLIENT_CN, hasOpenssl, makeTestCertificates, type TestCertificates } from './testkit/certs.ts';
import { captureLogs, waitFor } from './testkit/log-capture.ts';
import { rdeMessage } from './testkit/messages.ts';
import { acknowledgedIdOf, transportOnlyHandler } from './testkit/minimal-ack.ts';
import { javaUnavailable, jsseSend, startJsseEhr } from './testkit/jsse-peer.ts';
import { connectNodeHl7Client } from './testkit/node-hl7-client-sender.ts';

const opensslPresent = await hasOpenssl();
if (!opensslPresent) console.warn('openssl is not on PATH: the MLLP TLS tests are skipped');
const javaMissing = javaUnavailable();
if (javaMissing) console.warn(`MLLP TLS tests with Java's TLS stack skipped: ${javaMissing}`);

const bytes = (s: string) => Buffer.from(s, 'latin1');
let certs: TestCertificates;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  if (opensslPresent) certs = await makeTestCertificates();
});
afterAll(async () => certs?.remove());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function tlsListener(tls: Partial<MllpTlsListenerOptions>, extra: Partial<MllpListenerOptions> = {}) {
  const logs = captureLogs();
  const handler = transportOnlyHandler();
  const listener = await startMllpListener({
    handler,
    logger: logs.logger,
    port: null,
    tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.caCert, ...tls },
    ...extra,
  });
  cleanups.push(() => listener.stop({ graceMs: 1000 }));
  return { listener, handler, logs, port: listener.address.tls!.port };
}

/**
 * Our MLLP client over TLS to `port`, trusting the test CA, with the client certificate or without it (then two
 * tries, so that a refusal shows at once); closed after the test.
 */
function tlsClient(port: number, o: { certificate: boolean; answerTimeoutMs: number }) {
  const client = createMllpClient({
    host: '127.0.0.1',
    port,
    logger: pino({ level: 'silent' }),
    tls: o.certificate ? { caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey } : { caFile: certs.caCert },
    answerTimeoutMs: o.answerTimeoutMs,
    ...(o.certificate ? {} : { retry: { attempts: 2, initialDelayMs: 1 } }),
  });
  cleanups.push(() => client.close());
  return client;
}

/** A TLS connection made with node:tls directly, to see exactly how the listener treats it. */
async function rawTlsExchange(port: number, options: { cert?: string; key?: string }) {
  const ca = await readFile(certs.caCert);
  const socket = tlsConnect({
    host: '127.0.0.1',
    port,
    ca,
    ...(options.cert ? { cert: await readFile(options.cert), key: await readFile(options.key!) } : {}),
  });
  const received: Buffer[] = [];
  let error: Error | undefined;
  socket.on('data', (d: Buffer) => {
    received.push(d);
    if (Buffer.concat(received).includes('\x1c\r')) socket.destroy(); // one answer is all this exchange waits for
  });
  socket.on('error', (e) => (error = e));
  socket.once('secureConnect', () => socket.write(frame(bytes(rdeMessage('NOCERT')))));
  const timer = setTimeout(() => socket.destroy(), 3000);
  await new Promise((resolve) => socket.once('close', resolve));
  clearTimeout(timer);
  return { received: Buffer.concat(received), error };
}

describe.skipIf(!opensslPresent)('MLLP over TLS', () => {
  it('serves node-hl7-client over TLS without a client certificate when none is required', async () => {
    const { port, handler } = await tlsListener({ requireClientCert: false });
    const client = await connectNodeHl7Client({ port, tls: { ca: await readFile(certs.caCert) } });
    cleanups.push(() => client.close());
    expect(await client.send(rdeMessage('TLS1'))).toMatchObject({ code: 'AA', controlId: 'TLS1' });
    expect(handler.calls[0]!.conn).toMatchObject({ tls: true });
    expect(handler.calls[0]!.conn.peerIdentity).toBeUndefined();
  });

  it('exposes the verified identity of a node-hl7-client presenting its certificate (mutual TLS)', async () => {
    const { port, handler } = await tlsListener({});
    const client = await connectNodeHl7Client({
      port,
      tls: { ca: await readFile(certs.caCert), cert: await readFile(certs.clientCert), key: await readFile(certs.clientKey) },
    });
    cleanups.push(() => client.close());
    expect(await client.send(rdeMessage('MTLS1'))).toMatchObject({ code: 'AA', controlId: 'MTLS1' });
    const conn = handler.calls[0]!.conn;
    expect(conn.peerIdentity).toBe(CLIENT_CN);
    expect(conn.peerCertificate).toMatchObject({ subjectCN: CLIENT_CN, issuerCN: 'rxgate test CA', subjectAltNames: ['DNS:ehr.example.org'] });
  });

  it('refuses a client without a certificate when mutual TLS is required, with a logged reason', async () => {
    const { port, handler, logs } = await tlsListener({});
    const { received } = await rawTlsExchange(port, {});
    expect(received.length).toBe(0);
    expect(handler.calls).toHaveLength(0);
    await waitFor(() => logs.lines.some((l) => l.reason === 'tls_handshake_failed'), 'handshake failure log');
    expect(logs.lines.find((l) => l.reason === 'tls_handshake_failed')?.code).toBe('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
  });

  it('counts TLS connections against the limit and refuses before the handshake, logged once', async () => {
    const { port, logs, listener } = await tlsListener({}, { maxConnections: 1 });
    const options = { host: '127.0.0.1', port, ca: await readFile(certs.caCert), cert: await readFile(certs.clientCert), key: await readFile(certs.clientKey) };
    const first = tlsConnect(options);
    cleanups.push(async () => first.destroy());
    await new Promise((resolve) => first.once('secureConnect', resolve));
    await waitFor(() => listener.connectionCount() === 1, 'one connection');
    const second = tlsConnect(options);
    second.on('error', () => undefined);
    await new Promise((resolve) => second.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(logs.lines.filter((l) => l.reason === 'max_connections')).toMatchObject([{ limit: 1, tls: true }]);
    expect(logs.lines.some((l) => l.reason === 'tls_handshake_failed')).toBe(false);
  });

  it('refuses a client whose certificate another CA signed', async () => {
    const { port, handler } = await tlsListener({});
    const { received } = await rawTlsExchange(port, { cert: certs.strangerCert, key: certs.strangerKey });
    expect(received.length).toBe(0);
    expect(handler.calls).toHaveLength(0);
  });

  it('lets a client with an untrusted certificate in, without identity, when certificates are optional', async () => {
    const { port, handler } = await tlsListener({ requireClientCert: false });
    const { received } = await rawTlsExchange(port, { cert: certs.strangerCert, key: certs.strangerKey });
    expect(acknowledgedIdOf(Uint8Array.from(received).subarray(1, received.length - 2))?.controlId).toBe('NOCERT');
    expect(handler.calls[0]!.conn.peerIdentity).toBeUndefined();
  });

  it('our client speaks mutual TLS, and fails with its history when it has no certificate', async () => {
    const { port, handler } = await tlsListener({});
    const withCert = tlsClient(port, { certificate: true, answerTimeoutMs: 2000 });
    const { answer } = await withCert.send(bytes(rdeMessage('OUT1')), (a) => acknowledgedIdOf(a)?.controlId === 'OUT1');
    expect(acknowledgedIdOf(answer)).toEqual({ code: 'AA', controlId: 'OUT1' });
    expect(handler.calls[0]!.conn.peerIdentity).toBe(CLIENT_CN);

    const withoutCert = tlsClient(port, { certificate: false, answerTimeoutMs: 2000 });
    const failure = await withoutCert.send(bytes(rdeMessage('OUT2')), () => true).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MllpDeliveryError);
    expect((failure as MllpDeliveryError).attempts.map((a) => a.outcome)).toEqual(['closed_before_answer', 'closed_before_answer']);
  });
});

/**
 * Java's TLS stack (JSSE) on the other end: what Java interface engines speak, and an implementation that shares no
 * code with the OpenSSL inside Node, so a handshake both accept is not one library agreeing with itself.
 */
describe.skipIf(!opensslPresent || javaMissing !== undefined)("MLLP over TLS with Java's TLS stack (JSSE)", () => {
  it.each(['TLSv1.3', 'TLSv1.2'] as const)(
    'a Java sender presenting its certificate over %s checks the listener is 127.0.0.1, gets its AA, and is known by its CN',
    async (protocol) => {
      const { port, handler } = await tlsListener({});
      const sent = await jsseSend({ host: '127.0.0.1', port, protocol }, { caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey }, [
        rdeMessage('JSSE1'),
        rdeMessage('JSSE2'),
      ]);
      expect(sent.error).toBeUndefined();
      expect(sent.session?.protocol).toBe(protocol);
      expect(sent.answers.map((a) => acknowledgedIdOf(a))).toEqual([
        { code: 'AA', controlId: 'JSSE1' },
        { code: 'AA', controlId: 'JSSE2' },
      ]);
      expect(handler.calls.map((c) => c.conn.peerIdentity)).toEqual([CLIENT_CN, CLIENT_CN]);
      expect(Buffer.from(handler.calls[0]!.bytes).toString('latin1')).toBe(rdeMessage('JSSE1'));
    },
    60_000,
  );

  it('a Java sender without a certificate is refused when mutual TLS is required, and nothing reaches the handler', async () => {
    const { port, handler, logs } = await tlsListener({});
    const sent = await jsseSend({ host: '127.0.0.1', port }, { caFile: certs.caCert }, [rdeMessage('JSSE-NOCERT')]);
    expect(sent.answers).toHaveLength(0);
    // Under TLS 1.3 the client's side of the handshake ends before the server has read its (missing) certificate, so
    // Java may learn of the refusal from the alert or only from the closed socket it then writes to.
    expect(sent.error).toMatch(/SSL|closed|handshake|broken pipe|connection reset/i);
    expect(handler.calls).toHaveLength(0);
    await waitFor(() => logs.lines.some((l) => l.reason === 'tls_handshake_failed'), 'handshake failure log');
  }, 60_000);

  it('our client delivers to a Java EHR that requires a client certificate, byte for byte, and fails without one', async () => {
    const ehr = await startJsseEhr({ caFile: certs.caCert, certFile: certs.serverCert, keyFile: certs.serverKey });
    cleanups.push(() => ehr.close());
    const client = tlsClient(ehr.port, { certificate: true, answerTimeoutMs: 10_000 });
    for (const id of ['TOJAVA1', 'TOJAVA2']) {
      const { answer } = await client.send(bytes(rdeMessage(id)), (a) => acknowledgedIdOf(a)?.controlId === id);
      expect(acknowledgedIdOf(answer)).toEqual({ code: 'AA', controlId: id });
    }
    expect(ehr.frames.map((f) => f.payload.toString('latin1'))).toEqual([rdeMessage('TOJAVA1'), rdeMessage('TOJAVA2')]);
    expect(ehr.frames.map((f) => f.peer)).toEqual([`CN=${CLIENT_CN}`, `CN=${CLIENT_CN}`]);
    expect(ehr.frames[0]!.protocol).toBe('TLSv1.3');

    const withoutCert = tlsClient(ehr.port, { certificate: false, answerTimeoutMs: 10_000 });
    const failure = await withoutCert.send(bytes(rdeMessage('TOJAVA3')), () => true).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MllpDeliveryError);
    expect(ehr.frames).toHaveLength(2);
    await waitFor(() => ehr.connectionErrors.length >= 1, 'the Java side reporting the refused handshake');
  }, 120_000);
});

describe.skipIf(!opensslPresent)('MLLP TLS configuration errors', () => {
  it('requires a CA when client certificates are required', async () => {
    const error = await startMllpListener({
      handler: transportOnlyHandler(),
      logger: pino({ level: 'silent' }),
      port: null,
      tls: { port: 0, certFile: certs.serverCert, keyFile: certs.serverKey },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MllpTlsConfigError);
    expect((error as MllpTlsConfigError).setting).toBe('MLLP_TLS_CA');
  });

  it('names the setting and the file that cannot be read', async () => {
    const error = await startMllpListener({
      handler: transportOnlyHandler(),
      logger: pino({ level: 'silent' }),
      port: null,
      tls: { port: 0, certFile: '/nonexistent/server.crt', keyFile: certs.serverKey, caFile: certs.caCert },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'MllpTlsConfigError', setting: 'MLLP_TLS_CERT', file: '/nonexistent/server.crt' });
  });

  it('reports a port already in use with host, port and cause', async () => {
    const first = await startMllpListener({ handler: transportOnlyHandler(), logger: pino({ level: 'silent' }), port: 0 });
    cleanups.push(() => first.stop());
    const port = first.address.plain!.port;
    const error = await startMllpListener({ handler: transportOnlyHandler(), logger: pino({ level: 'silent' }), port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MllpListenError);
    expect(error).toMatchObject({ host: '127.0.0.1', port, tls: false });
    expect(String((error as Error).message)).toContain('EADDRINUSE');
  });
});
