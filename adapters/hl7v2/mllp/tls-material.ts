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
