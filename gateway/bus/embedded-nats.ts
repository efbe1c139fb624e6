import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidIsAlive } from '../os/processes.ts';

/**
 * The embedded bus: with NATS_URL unset the gateway runs `nats-server -js` on loopback with its store in
 * DATA_DIR/nats, and starts it again on the same port and store should it exit while the gateway runs. The caller
 * must hold the DATA_DIR lock, which is what makes it safe to kill a nats-server left behind by a gateway that died
 * with kill -9 (its pid is in DATA_DIR/nats/nats-server.pid).
 */

export type NatsSync = 'always' | 'interval';

export interface EmbeddedNats {
  url: string;
  version: string;
  /** `always` when this nats-server accepts `sync_interval: always` (2.10+); 2.9 fsyncs on a timer. */
  sync: NatsSync;
  stop(): Promise<void>;
}

export class NatsServerMissingError extends Error {
  constructor(bin: string) {
    super(
      `nats-server not found (${bin}): install it with "apt-get install -y nats-server" (Debian) or set NATS_URL to an existing NATS with JetStream`,
    );
    this.name = 'NatsServerMissingError';
  }
}

export class NatsServerStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NatsServerStartError';
  }
}

export interface EmbeddedNatsOptions {
  bin: string;
  dataDir: string;
  port?: number;
  /**
   * Start the server again whenever it exits while the gateway runs (default true), after a pause growing from
   * 0.5 s to 30 s while it keeps failing: the gateway owns this server, so nobody else would.
   */
  supervise?: boolean;
  /** told of each unexpected exit and restart, for the gateway's log */
  onExit?: (event: { code: number | null; signal: NodeJS.Signals | null; restartInMs: number; stderr: string }) => void;
  onRestart?: (event: { pid: number | undefined }) => void;
}

export async function startEmbeddedNats(opts: EmbeddedNatsOptions): Promise<EmbeddedNats> {
  const version = natsServerVersion(opts.bin);
  const dir = resolve(opts.dataDir, 'nats');
  await mkdir(dir, { recursive: true });
  await killOrphan(dir, opts.bin);

  const port = opts.port && opts.port > 0 ? opts.port : await freeLoopbackPort();
  const sync = acceptsSyncAlways(opts.bin, dir) ? 'always' : 'interval';
  const confPath = join(dir, 'nats-server.conf');
  await writeFile(confPath, serverConfig({ port, storeDir: join(dir, 'jetstream'), sync }));

  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(opts.bin, ['-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    await writeFile(join(dir, 'nats-server.pid'), String(child.pid ?? ''));
    await waitForPort(port, child, () => stderr);
    const upSince = Date.now();
    child.once('exit', (code, signal) => {
      if (stopping || opts.supervise === false) return;
      if (Date.now() - upSince > 60_000) failures = 0; // it had been running well: start again promptly
      const restartInMs = Math.min(30_000, 500 * 2 ** failures++);
      opts.onExit?.({ code, signal, restartInMs, stderr: stderr.trim() });
      const again = async () => {
        restartTimer = undefined;
        if (stopping) return;
        try {
          current = await launch();
          if (stopping) await stopChild(current);
          else opts.onRestart?.({ pid: current.pid });
        } catch (err) {
          opts.onExit?.({ code: null, signal: null, restartInMs: Math.min(30_000, 500 * 2 ** failures), stderr: (err as Error).message });
          restartTimer = setTimeout(() => void again(), Math.min(30_000, 500 * 2 ** failures++));
        }
      };
      restartTimer = setTimeout(() => void again(), restartInMs);
    });
    return child;
  };
  let current = await launch();

  return {
    url: `nats://127.0.0.1:${port}`,
    version,
    sync,
    stop: async () => {
      stopping = true;
      clearTimeout(restartTimer);
      await stopChild(current);
      await rm(join(dir, 'nats-server.pid'), { force: true });
    },
  };
}

export function natsServerVersion(bin: string): string {
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (out.error || out.status !== 0) throw new NatsServerMissingError(bin);
  return (out.stdout.match(/v?(\d+\.\d+\.\d+)/)?.[1] ?? out.stdout.trim()) || 'unknown';
}

/** Feature detection rather than version parsing: ask this very binary whether it accepts the setting. */
function acceptsSyncAlways(bin: string, dir: string): boolean {
  const probe = join(dir, 'sync-probe.conf');
  writeFileSync(probe, `jetstream { store_dir: ${JSON.stringify(join(dir, 'probe'))}, sync_interval: always }\n`);
  const out = spawnSync(bin, ['-c', probe, '-t'], { encoding: 'utf8' });
  return out.status === 0;
}

function serverConfig(o: { port: number; storeDir: string; sync: NatsSync }): string {
  return [
    `listen: "127.0.0.1:${o.port}"`,
    'jetstream {',
    `  store_dir: ${JSON.stringify(o.storeDir)}`,
    o.sync === 'always' ? '  sync_interval: always' : '',
    '}',
    '',
  ].join('\n');
}

async function killOrphan(dir: string, bin: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(join(dir, 'nats-server.pid'), 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  let cmdline = '';
  try {
    cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replace(/\0/g, ' ');
  } catch {
    return; // not running
  }
  if (!cmdline.includes(bin.split('/').pop()!) || !cmdline.includes(dir)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && pidIsAlive(pid); i++) await sleep(100);
  if (pidIsAlive(pid)) process.kill(pid, 'SIGKILL');
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new NatsServerStartError(`nats-server exited with code ${child.exitCode}: ${stderr().trim()}`);
    }
    const ok = await new Promise<boolean>((done) => {
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (ok) return;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new NatsServerStartError(`nats-server did not accept connections on 127.0.0.1:${port} within 15 s`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
