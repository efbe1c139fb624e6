import { spawnSync } from 'node:child_process';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { freeLoopbackPort } from '../bus/embedded-nats.ts';

/**
 * Test support: a PostgreSQL server of a test's own (Debian's binaries, run as the `postgres` user, on loopback),
 * for what cannot be done to the shared one: crashing it. `crash()` kills one backend with SIGKILL, which makes the
 * postmaster end every session and run crash recovery — what an out-of-memory kill of one query does in production.
 *
 * Available where the process may act as root and Debian's server binaries are installed (`scripts/test` installs
 * them); `privatePostgresUnavailable()` says why not otherwise, for a skip with a reason.
 */
export interface PrivatePostgres {
  /** database `test`, user postgres, trust auth */
  readonly url: string;
  /** SIGKILLs a backend (the postmaster then ends every session and recovers); resolves once it takes queries again */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

export async function privatePostgresUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root: cannot run PostgreSQL as the postgres user';
  if (!(await serverBin())) return 'no /usr/lib/postgresql/<version>/bin/initdb';
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) return 'no postgres user';
  return undefined;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = await serverBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found');
  const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim());
  const dir = await mkdtemp(join(tmpdir(), 'rxgate-pg-'));
  await chown(dir, uid, gid);
  const data = join(dir, 'data');
  const port = await freeLoopbackPort();
  const asPostgres = (command: string) => {
    const run = spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', command], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${command}: ${run.stderr || run.stdout}`);
  };
  asPostgres(`${bin}/initdb -D ${data} -A trust -U postgres --no-sync >/dev/null`);
  asPostgres(`${bin}/pg_ctl -D ${data} -l ${dir}/server.log -w -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1" start >/dev/null`);
  const admin = postgres(`postgres://postgres@127.0.0.1:${port}/postgres`, { max: 1, onnotice: () => undefined });
  await admin`create database test`;
  await admin.end();
  const url = `postgres://postgres@127.0.0.1:${port}/test`;

  return {
    url,
    async crash() {
      // Any backend will do: the postmaster answers the death of one by ending all of them.
      const sql = postgres(url, { max: 1, onnotice: () => undefined });
      const [{ pid }] = await sql<[{ pid: number }]>`select pg_backend_pid() as pid`;
      process.kill(pid, 'SIGKILL');
      await sql.end({ timeout: 1 }).catch(() => undefined);
      // Recovery takes the server away for a moment; it is back when a new session can query.
      for (let i = 0; i < 300; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const probe = postgres(url, { max: 1, onnotice: () => undefined, connect_timeout: 2 });
        const ok = await probe`select 1`.then(() => true, () => false);
        await probe.end({ timeout: 1 }).catch(() => undefined);
        if (ok) return;
      }
      throw new Error('PostgreSQL did not recover from the crash within 30 s');
    },
    async stop() {
      spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', `${bin}/pg_ctl -D ${data} -m immediate -w stop >/dev/null 2>&1`]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The newest Debian server binaries: /usr/lib/postgresql/<version>/bin. */
async function serverBin(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  const versions = await readdir(root).catch(() => [] as string[]);
  const newest = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) return undefined;
  const bin = join(root, newest, 'bin');
  return (await readdir(bin).catch(() => [] as string[])).includes('initdb') ? bin : undefined;
}
