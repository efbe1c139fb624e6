import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createMllpClient } from '../../adapters/hl7v2/mllp/client.ts';
import { parseMessage } from '../../adapters/hl7v2/parse.ts';

/**
 * `gateway mllp-send FILE…`: sends HL7 v2 files over MLLP, one message per file, each waiting for its ACK, and
 * prints MSA-1 and MSA-2 of every answer. For trying a listener (ours or an EHR's) without an interface engine.
 * `--tls` (implied by `--ca`, `--cert`/`--key`) speaks TLS, by default to this gateway's MLLP_TLS_PORT, with the
 * receiver's certificate always verified; `--cert` and `--key` present a client certificate (mutual TLS).
 */
export async function mllpSend(args: string[], defaults: { host: string; port: number; tlsPort?: number | undefined }): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      timeout: { type: 'string' },
      tls: { type: 'boolean' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      servername: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new Error('mllp-send needs at least one file');
  if ((values.cert === undefined) !== (values.key === undefined)) throw new Error('mllp-send: --cert and --key go together');
  const tls =
    values.tls || values.ca !== undefined || values.cert !== undefined
      ? { caFile: values.ca, certFile: values.cert, keyFile: values.key, servername: values.servername }
      : undefined;
  const port = values.port ?? (tls && defaults.tlsPort !== undefined ? defaults.tlsPort : defaults.port);
  const client = createMllpClient({
    host: values.host ?? defaults.host,
    port: Number(port),
    tls,
    logger: pino({ level: 'silent' }),
    answerTimeoutMs: Number(values.timeout ?? 10_000),
    retry: { attempts: 1 },
  });
  let failures = 0;
  try {
    for (const file of positionals) {
      // Files are usually written with LF line ends; HL7 wants CR between segments.
      const text = (await readFile(file, 'utf8')).replace(/\r?\n/g, '\r').replace(/\r+$/, '\r');
      const controlId = parseMessage(text).controlId;
      const { answer } = await client.send(new TextEncoder().encode(text), (a) => {
        try {
          return parseMessage(a).segment('MSA')?.get(2) === controlId;
        } catch {
          return false;
        }
      });
      const ack = parseMessage(answer);
      const code = ack.segment('MSA')?.get(1) ?? '?';
      if (!/^[AC]A$/.test(code)) failures++;
      console.log(`${file}: ${code} ${controlId}${ack.segment('MSA')?.get(3) ? ` — ${ack.segment('MSA')!.get(3)}` : ''}`);
    }
  } finally {
    await client.close();
  }
  return failures === 0 ? 0 : 1;
}
