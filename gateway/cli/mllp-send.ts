import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createMllpClient } from '../../adapters/hl7v2/mllp/client.ts';
import { messagesInFile } from '../../adapters/hl7v2/file-messages.ts';
import { isBatch } from '../../adapters/hl7v2/pipeline/batch-ack.ts';
import { parseBatch, parseMessage } from '../../adapters/hl7v2/parse.ts';

/**
 * `gateway mllp-send FILE…`: sends the HL7 v2 messages in files over MLLP — a file may hold one message, several one
 * after the other (an engine's export: each MSH begins the next) or a batch (FHS/BHS, sent as one frame) — each
 * waiting for its ACK, and prints MSA-1 and MSA-2 of every answer. The bytes are sent as they are, in whatever
 * character set MSH-18 declares (only line ends become CR). A message that cannot be read is reported and the others
 * are still sent. For trying a listener (ours or an EHR's) without an interface engine, or loading an archive.
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
      const messages = messagesInFile(await readFile(file));
      if (messages.length === 0) {
        failures++;
        console.log(`${file}: no HL7 message in it`);
      }
      for (const [i, message] of messages.entries()) {
        const label = messages.length === 1 ? file : `${file} #${i + 1}`;
        const batch = isBatch(message);
        let controlId: string;
        try {
          controlId = batch ? parseBatch(message).messages.map((m) => m.controlId).join(',') : parseMessage(message).controlId;
        } catch (err) {
          failures++;
          console.log(`${label}: not sent, not an HL7 message we can read: ${(err as Error).message}`);
          continue;
        }
        // One frame at a time on the connection: a batch's answer is the next frame, a message's the one naming it.
        const { answer } = await client.send(message, (a) => {
          try {
            return batch || parseMessage(a).segment('MSA')?.get(2) === controlId;
          } catch {
            return false;
          }
        });
        const acks = isBatch(answer) ? parseBatch(answer).messages : [parseMessage(answer)];
        const codes = acks.map((ack) => ack.segment('MSA')?.get(1) ?? '?');
        if (codes.some((code) => !/^[AC]A$/.test(code))) failures++;
        const text = !batch && acks[0]?.segment('MSA')?.get(3);
        console.log(`${label}: ${batch ? `batch ${codes.join(',') || '(no acknowledgements asked for)'}` : codes[0]} ${controlId}${text ? ` — ${text}` : ''}`);
      }
    }
  } finally {
    await client.close();
  }
  return failures === 0 ? 0 : 1;
}

