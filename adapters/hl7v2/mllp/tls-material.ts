import { readFile } from 'node:fs/promises';
import { MllpTlsConfigError } from './errors.ts';

/** PEM files named by configuration, read once at start so that a bad path fails the start, not the first sender. */
export interface TlsFiles {
  certFile?: string | undefined;
  keyFile?: string | undefined;
  caFile?: string | undefined;
}

export interface TlsMaterial {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
}

/** `settings` names the configuration variables, so that an error tells the operator which one to fix. */
export async function readTlsMaterial(
  files: TlsFiles,
  settings: { cert: string; key: string; ca: string } = { cert: 'MLLP_TLS_CERT', key: 'MLLP_TLS_KEY', ca: 'MLLP_TLS_CA' },
): Promise<TlsMaterial> {
  const material: TlsMaterial = {};
  if (files.certFile) material.cert = await readPem(files.certFile, settings.cert);
  if (files.keyFile) material.key = await readPem(files.keyFile, settings.key);
  if (files.caFile) material.ca = await readPem(files.caFile, settings.ca);
  return material;
}

/** Both listener paths (start and reload) build the secure context from the same options. */
export function secureContextOptions(material: TlsMaterial): TlsMaterial & { minVersion: 'TLSv1.2' } {
  return { ...material, minVersion: 'TLSv1.2' };
}

export function sameTlsMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  const same = (x: Buffer | undefined, y: Buffer | undefined) => (x === undefined ? y === undefined : y !== undefined && x.equals(y));
  return same(a.cert, b.cert) && same(a.key, b.key) && same(a.ca, b.ca);
}

async function readPem(file: string, setting: string): Promise<Buffer> {
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch (cause) {
    throw new MllpTlsConfigError(setting, file, 'cannot be read', { cause });
  }
  if (!content.includes('-----BEGIN ')) throw new MllpTlsConfigError(setting, file, 'is not a PEM file');
  return content;
}
