import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MllpTlsConfigError } from '../mllp/errors.ts';
import { parseOutboundTargets } from './targets.ts';
import { checkOutboundTlsFiles } from './tls-files.ts';

let dir: string;
const pem = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rxgate-outbound-tls-'));
  // Only the PEM armour is looked at when the files are checked; the handshake is tested in mllp/.
  for (const name of ['ca.crt', 'ours.crt', 'ours.key', 'ehr-b.crt', 'ehr-b.key']) await writeFile(pem(name), `-----BEGIN ${name}-----\n-----END-----\n`);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('checkOutboundTlsFiles', () => {
  const gatewayWide = () => ({ caFile: pem('ca.crt'), certFile: pem('ours.crt'), keyFile: pem('ours.key') });

  it('passes readable files, the target’s own in place of the gateway-wide ones', async () => {
    const [a, b] = parseOutboundTargets(`A=ehr-a:6661,tls;B=ehr-b:6662,tls,cert=${pem('ehr-b.crt')},key=${pem('ehr-b.key')}`);
    await expect(checkOutboundTlsFiles(a!, gatewayWide())).resolves.toBeUndefined();
    await expect(checkOutboundTlsFiles(b!, { ...gatewayWide(), certFile: '/missing/ours.crt' })).resolves.toBeUndefined();
  });

  it('names the target’s own option when its file cannot be read', async () => {
    const [target] = parseOutboundTargets(`B=ehr-b:6662,tls,cert=${pem('missing.crt')},key=${pem('ehr-b.key')}`);
    const failure = await checkOutboundTlsFiles(target!, gatewayWide()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MllpTlsConfigError);
    expect(failure).toMatchObject({ setting: 'HL7_OUTBOUND_TARGETS (B cert=)', file: pem('missing.crt') });
  });

  it('names the gateway-wide variable when that is where the file came from', async () => {
    const [target] = parseOutboundTargets('A=ehr-a:6661,tls');
    const failure = await checkOutboundTlsFiles(target!, { ...gatewayWide(), keyFile: pem('missing.key') }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ setting: 'HL7_OUTBOUND_TLS_KEY', file: pem('missing.key') });
    expect((failure as Error).message).toContain('cannot be read');
  });

  it('reads nothing for a target without tls', async () => {
    const [target] = parseOutboundTargets('C=ehr-c:2575');
    await expect(checkOutboundTlsFiles(target!, { certFile: '/missing/ours.crt', keyFile: '/missing/ours.key' })).resolves.toBeUndefined();
  });
});
