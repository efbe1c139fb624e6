import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE_NAME, lockDataDir } from './data-dir-lock.ts';
import { processStartTime } from '../os/processes.ts';
import { spawnLockHolder, type LockHolderProcess } from './test-fixtures/child-process.ts';

const folders: string[] = [];
const children: LockHolderProcess[] = [];

async function freshFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rxgate-lock-'));
  folders.push(dir);
  return dir;
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await c.exited;
  }
});
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A pid that certainly belongs to no running process: one that has just exited. */
function deadPid(): number {
  return Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
}

function lockRecord(pid: number, start: string | undefined): string {
  return JSON.stringify({ pid, start, host: hostname(), nonce: 'left-behind', acquired_at: '2026-01-01T00:00:00.000Z' });
}

describe('data-dir lock across processes', () => {
  it('refuses a second process with one clear line, and lets a new one in after the holder is killed -9', async () => {
    const dir = await freshFolder();
    const first = spawnLockHolder(dir);
    children.push(first);
    expect(await first.outcome).toEqual({ locked: true });

    const second = spawnLockHolder(dir);
    children.push(second);
    const refused = await second.outcome;
    expect(refused.locked).toBe(false);
    if (refused.locked) return;
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe(
      `data folder ${dir} is in use by another gateway (pid ${first.child.pid}); stop it or set DATA_DIR to another folder\n`,
    );

    // This process is refused too, with the holder named.
    const error = await lockDataDir(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect(error).toMatchObject({ dataDir: dir, holderPid: first.child.pid });

    first.child.kill('SIGKILL');
    await first.exited;
    // The dead holder's file is still there: it is stale, not absent.
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(true);

    const third = spawnLockHolder(dir);
    children.push(third);
    expect(await third.outcome).toEqual({ locked: true });
    const record = JSON.parse(await readFile(join(dir, LOCK_FILE_NAME), 'utf8')) as { pid: number };
    expect(record.pid).toBe(third.child.pid);
  });
});

describe('data-dir lock within one process', () => {
  it('is reference-counted: the file goes with the last release, and a handle released twice counts once', async () => {
    const dir = await freshFolder();
    const lockFile = join(dir, LOCK_FILE_NAME);
    const a = await lockDataDir(dir);
    const b = await lockDataDir(dir);
    const record = JSON.parse(await readFile(lockFile, 'utf8')) as { pid: number; start?: string };
    expect(record.pid).toBe(process.pid);
    expect(record.start).toBe(processStartTime(process.pid));
    await a.release();
    await a.release();
    expect(existsSync(lockFile)).toBe(true);
    await b.release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('is one lock for one folder however it is spelled (a symlink here)', async () => {
    const dir = await freshFolder();
    const link = `${dir}-link`;
    await symlink(dir, link);
    folders.push(link);
    const viaDir = await lockDataDir(dir);
    const viaLink = await lockDataDir(link);
    await viaDir.release();
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(true);
    await viaLink.release();
    expect(existsSync(join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('takes over a lock whose holder is dead', async () => {
    const dir = await freshFolder();
    await writeFile(join(dir, LOCK_FILE_NAME), lockRecord(deadPid(), '1'));
    const lock = await lockDataDir(dir);
    const record = JSON.parse(await readFile(join(dir, LOCK_FILE_NAME), 'utf8')) as { pid: number };
    expect(record.pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over a lock whose pid is alive but started at another time (a reused pid)', async () => {
    const dir = await freshFolder();
    const parentStart = processStartTime(process.ppid);
    expect(parentStart).toBeDefined();
    await writeFile(join(dir, LOCK_FILE_NAME), lockRecord(process.ppid, `${parentStart}0`));
    const lock = await lockDataDir(dir);
    await lock.release();
  });

  it('refuses a lock whose pid is alive with the same start time', async () => {
    const dir = await freshFolder();
    await writeFile(join(dir, LOCK_FILE_NAME), lockRecord(process.ppid, processStartTime(process.ppid)));
    await expect(lockDataDir(dir)).rejects.toThrow(`is in use by another gateway (pid ${process.ppid})`);
  });

  it('never judges a holder on another host stale, and says how to clear it', async () => {
    const dir = await freshFolder();
    const lockFile = join(dir, LOCK_FILE_NAME);
    await writeFile(lockFile, JSON.stringify({ pid: deadPid(), host: 'elsewhere.example', nonce: 'x', acquired_at: '' }));
    await expect(lockDataDir(dir)).rejects.toThrow(
      `data folder ${dir} is in use by another gateway (pid `,
    );
    await expect(lockDataDir(dir)).rejects.toThrow(`on host elsewhere.example); stop it or set DATA_DIR to another folder; if that gateway is gone, delete ${lockFile}`);
  });

  it('takes over an unreadable lock file once it is older than a half-finished write could be', async () => {
    const dir = await freshFolder();
    const lockFile = join(dir, LOCK_FILE_NAME);
    await writeFile(lockFile, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(lockFile, old, old);
    const lock = await lockDataDir(dir);
    expect((JSON.parse(await readFile(lockFile, 'utf8')) as { pid: number }).pid).toBe(process.pid);
    await lock.release();
  });
});
