import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Test certificates made with the system's `openssl` in a temporary folder: a CA, a server certificate for
 * 127.0.0.1/localhost, a client certificate (CN ehr-interface-1) signed by that CA, and a client certificate signed
 * by a second, untrusted CA, and renewed server and client certificates (CN localhost-renewed and
 * ehr-interface-1-renewed, same CA, keys of their own, valid a day longer) for the renewal tests. P-256 keys keep
 * generation fast.
 */
export interface TestCertificates {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  renewedServerCert: string;
  renewedServerKey: string;
  clientCert: string;
  clientKey: string;
  renewedClientCert: string;
  renewedClientKey: string;
  strangerCert: string;
  strangerKey: string;
  remove(): Promise<void>;
}

export const CLIENT_CN = 'ehr-interface-1';
export const RENEWED_CLIENT_CN = 'ehr-interface-1-renewed';

export async function hasOpenssl(): Promise<boolean> {
  try {
    await run('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
}

export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'rxgate-mllp-certs-'));
  const path = (name: string) => join(dir, name);
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  const makeCa = async (name: string, cn: string) => {
    await run('openssl', ['req', '-x509', ...ecKey, '-keyout', path(`${name}.key`), '-out', path(`${name}.crt`), '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  };
  const makeLeaf = async (name: string, ca: string, cn: string, extensions: string, days = 2) => {
    await run('openssl', ['req', '-new', ...ecKey, '-keyout', path(`${name}.key`), '-out', path(`${name}.csr`), '-subj', `/CN=${cn}`]);
    await writeFile(path(`${name}.ext`), extensions);
    await run('openssl', ['x509', '-req', '-in', path(`${name}.csr`), '-CA', path(`${ca}.crt`), '-CAkey', path(`${ca}.key`), '-CAcreateserial',
      '-out', path(`${name}.crt`), '-days', String(days), '-extfile', path(`${name}.ext`)]);
  };

  await makeCa('ca', 'rxgate test CA');
  await makeCa('stranger-ca', 'untrusted test CA');
  await makeLeaf('server', 'ca', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await makeLeaf('renewed-server', 'ca', 'localhost-renewed', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n', 3);
  await makeLeaf('client', 'ca', CLIENT_CN, 'subjectAltName=DNS:ehr.example.org\nextendedKeyUsage=clientAuth\n');
  await makeLeaf('renewed-client', 'ca', RENEWED_CLIENT_CN, 'extendedKeyUsage=clientAuth\n', 3);
  await makeLeaf('stranger', 'stranger-ca', 'stranger', 'extendedKeyUsage=clientAuth\n');

  return {
    dir,
    caCert: path('ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    renewedServerCert: path('renewed-server.crt'),
    renewedServerKey: path('renewed-server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    renewedClientCert: path('renewed-client.crt'),
    renewedClientKey: path('renewed-client.key'),
    strangerCert: path('stranger.crt'),
    strangerKey: path('stranger.key'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
