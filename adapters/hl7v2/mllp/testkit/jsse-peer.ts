import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

/**
 * `JsseMllpPeer.java` driven from tests: an MLLP sender and an MLLP receiver on Java's TLS stack (JSSE), which
 * shares no code with the OpenSSL inside Node. Java runs the one source file directly (Java 11 and later).
 */

const SOURCE = join(import.meta.dirname, 'JsseMllpPeer.java');
const execFileAsync = promisify(execFile);

/** Why the Java peer cannot run here (for a skip with its reason), or undefined when it can. */
export function javaUnavailable(): string | undefined {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return undefined;
  } catch (err) {
    return `java is not available (${(err as Error).message.split('\n')[0]}); scripts/test installs Debian's JDK`;
  }
}

export interface TlsFiles {
  caFile: string;
  certFile?: string | undefined;
  keyFile?: string | undefined;
}

export interface JsseSendResult {
  /** the negotiated protocol and cipher suite, when the handshake finished */
  session?: { protocol: string; cipher: string };
  /** one answer frame's payload per message, in order */
  answers: Buffer[];
  /** what Java reported when it failed (exception class and message) */
  error?: string;
}

/** Sends each message as one frame over one TLS connection, each after the previous one's answer. */
export async function jsseSend(
  target: { host: string; port: number; protocol?: 'TLSv1.2' | 'TLSv1.3' },
  tls: TlsFiles,
  messages: string[],
): Promise<JsseSendResult> {
  const dir = await mkdtemp(join(tmpdir(), 'rxgate-jsse-'));
  try {
    const files = await Promise.all(
      messages.map(async (text, i) => {
        const file = join(dir, `${i}.hl7`);
        await writeFile(file, Buffer.from(text, 'latin1'));
        return file;
      }),
    );
    const args = [SOURCE, 'send', target.host, String(target.port), tls.caFile, tls.certFile ?? '-', tls.keyFile ?? '-', target.protocol ?? 'any', ...files];
    const stdout = await execFileAsync('java', args, { timeout: 60_000 }).then(
      (r) => r.stdout,
      (err: { stdout?: string }) => err.stdout ?? '',
    );
    const result: JsseSendResult = { answers: [] };
    for (const line of stdout.split('\n')) {
      const [kind, ...rest] = line.split(' ');
      if (kind === 'SESSION') result.session = { protocol: rest[0]!, cipher: rest[1]! };
      else if (kind === 'ACK') result.answers.push(Buffer.from(rest[0]!, 'base64'));
      else if (kind === 'ERROR') result.error = rest.join(' ');
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface JsseFrame {
  /** the client certificate's subject, as Java names it (RFC 2253, spaces as `_`) */
  peer: string;
  protocol: string;
  payload: Buffer;
}

export interface JsseEhr {
  readonly port: number;
  /** every frame received, in order */
  readonly frames: JsseFrame[];
  /** connections that failed (the handshake, mostly), as Java reported them */
  readonly connectionErrors: string[];
  close(): Promise<void>;
}

/** A receiver that requires a client certificate signed by `tls.caFile` and answers every frame AA. */
export async function startJsseEhr(tls: Required<TlsFiles>): Promise<JsseEhr> {
  const child = spawn('java', [SOURCE, 'serve', tls.caFile, tls.certFile, tls.keyFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  const frames: JsseFrame[] = [];
  const connectionErrors: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the Java MLLP receiver did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`the Java MLLP receiver exited (${code}) before listening`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [kind, ...rest] = line.split(' ');
      if (kind === 'LISTENING') {
        clearTimeout(timer);
        resolve(Number(rest[0]));
      } else if (kind === 'FRAME') frames.push({ peer: rest[0]!, protocol: rest[1]!, payload: Buffer.from(rest[2]!, 'base64') });
      else if (kind === 'CONNECTION_ERROR') connectionErrors.push(rest.join(' '));
      else if (kind === 'ERROR') reject(new Error(`the Java MLLP receiver failed: ${rest.join(' ')}`));
    });
  });
  return {
    port,
    frames,
    connectionErrors,
    async close() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
