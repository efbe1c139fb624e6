import { randomBytes } from 'node:crypto';
import { unlinkSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pidIsAlive, processStartTime } from '../os/processes.ts';

/**
 * An exclusive lock on DATA_DIR. PGlite has no cross-process lock, and two processes on one data folder silently
 * lose committed writes (STACK.md), so the embedded mode holds this lock for as long as it uses the folder.
 *
 * The lock is a file, DATA_DIR/gateway.lock, created with O_EXCL and holding the holder's pid, its start time
 * (/proc/<pid>/stat field 22, so that a reused pid is not mistaken for the holder) and its host. A lock whose
 * holder is dead (kill -9, power cut) is stale and is taken over: under a short-lived takeover file (also O_EXCL,
 * so two newcomers cannot both take over), the newcomer checks the lock is still the stale one it judged, writes a
 * new file and renames it over the lock, then reads it back to confirm it owns it.
 *
 * Within one process the lock is reference-counted: the composition root may take it before starting the embedded
 * nats-server, and openStore takes it again for PGlite; the file goes when the last holder releases it.
 */

export const LOCK_FILE_NAME = 'gateway.lock';

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
    readonly lockFile: string,
    readonly holderHost?: string,
  ) {
    // A holder on another host (shared or network volume) cannot be checked for liveness, so it is never judged
    // stale; the message says how to clear it by hand.
    const elsewhere = holderHost !== undefined && holderHost !== hostname();
    super(
      `data folder ${dataDir} is in use by another gateway (pid ${holderPid}${elsewhere ? ` on host ${holderHost}` : ''}); ` +
        `stop it or set DATA_DIR to another folder${elsewhere ? `; if that gateway is gone, delete ${lockFile}` : ''}`,
    );
    this.name = 'DataDirLockedError';
  }
}

/** The lock kept changing hands while this process tried to take it; trying again later is the answer. */
export class DataDirLockContendedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly attempts: number,
  ) {
    super(`could not lock data folder ${dataDir}: its lock file kept changing over ${attempts} attempts; try again`);
    this.name = 'DataDirLockContendedError';
  }
}

export interface DataDirLock {
  /** Gives back this holder's share of the lock; the file is removed when the last one in the process is released. */
  release(): Promise<void>;
}

interface LockRecord {
  pid: number;
  /** /proc/<pid>/stat field 22; absent where there is no /proc. */
  start?: string;
  host: string;
  /** Tells this holder's file from any other, including one written by this same pid in an earlier life. */
  nonce: string;
  acquired_at: string;
}

type LockFileState =
  | { kind: 'missing' }
  | { kind: 'unreadable'; raw: string; mtimeMs: number }
  | { kind: 'held'; raw: string; mtimeMs: number; record: LockRecord };

/** A holder writes its record right after creating the file; an unreadable file younger than this is being written. */
const HALF_WRITTEN_GRACE_MS = 2_000;
const MAX_ATTEMPTS = 100;

interface HeldEntry {
  count: number;
  lockFile: string;
  /** Resolves to our record once the file is ours; concurrent callers in this process wait on the same promise. */
  acquired: Promise<LockRecord>;
  /** Set once acquired, for the synchronous clean-up at exit. */
  nonce?: string;
}

const heldInThisProcess = new Map<string, HeldEntry>();

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  // One folder reached by two spellings (./data, /srv/gw/data, a symlink) is one lock.
  const key = await realpath(dataDir);
  let entry = heldInThisProcess.get(key);
  if (entry) {
    entry.count++;
  } else {
    const lockFile = join(key, LOCK_FILE_NAME);
    entry = { count: 1, lockFile, acquired: acquire(dataDir, lockFile) };
    heldInThisProcess.set(key, entry);
    removeLocksOnExit();
  }
  const mine = entry;
  try {
    mine.nonce = (await mine.acquired).nonce;
  } catch (error) {
    if (heldInThisProcess.get(key) === mine) heldInThisProcess.delete(key);
    throw error;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      mine.count--;
      if (mine.count > 0 || heldInThisProcess.get(key) !== mine) return;
      heldInThisProcess.delete(key);
      await removeIfOurs(mine.lockFile, await mine.acquired);
    },
  };
}

async function acquire(dataDir: string, lockFile: string): Promise<LockRecord> {
  const mine = newRecord();
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (await createExclusive(lockFile, mine)) return mine;
    const found = await readLockFile(lockFile);
    if (found.kind === 'missing') continue; // released between our create and our read
    if (found.kind === 'unreadable' && Date.now() - found.mtimeMs < HALF_WRITTEN_GRACE_MS) {
      await sleep(25);
      continue;
    }
    if (found.kind === 'held' && holderIsAlive(found.record)) {
      throw new DataDirLockedError(dataDir, found.record.pid, lockFile, found.record.host);
    }
    if (await takeOverStaleLock(lockFile, found, mine)) return mine;
    await sleep(5 + Math.random() * 20);
  }
  throw new DataDirLockContendedError(dataDir, MAX_ATTEMPTS);
}

/** Returns true when the stale lock is now ours; false means "look again" (someone else moved first). */
async function takeOverStaleLock(lockFile: string, judged: LockFileState, mine: LockRecord): Promise<boolean> {
  const takeoverFile = `${lockFile}.takeover`;
  if (!(await createExclusive(takeoverFile, mine))) {
    const other = await readLockFile(takeoverFile);
    // A takeover lasts milliseconds, so a takeover file left by a dead process (or half written long ago) is removed.
    const abandoned =
      (other.kind === 'held' && !holderIsAlive(other.record)) ||
      (other.kind === 'unreadable' && Date.now() - other.mtimeMs >= HALF_WRITTEN_GRACE_MS);
    if (abandoned) await removeIfUnchanged(takeoverFile, other);
    return false;
  }
  try {
    const now = await readLockFile(lockFile);
    if (!sameState(now, judged)) return false;
    const temporary = `${lockFile}.${process.pid}.${mine.nonce}.tmp`;
    await writeFile(temporary, serialise(mine), { flag: 'wx' });
    await rename(temporary, lockFile);
    const confirm = await readLockFile(lockFile);
    return confirm.kind === 'held' && confirm.record.nonce === mine.nonce;
  } finally {
    await removeIfOurs(takeoverFile, mine);
  }
}

function holderIsAlive(holder: LockRecord): boolean {
  // Liveness of a process on another host cannot be checked from here: treat it as alive rather than risk two
  // writers on one folder.
  if (holder.host !== hostname()) return true;
  if (!pidIsAlive(holder.pid)) return false;
  if (holder.start === undefined) return true;
  const startNow = processStartTime(holder.pid);
  // Alive under that pid but started at another time: the pid was reused and the holder is gone.
  return startNow === undefined || startNow === holder.start;
}

function newRecord(): LockRecord {
  const start = processStartTime(process.pid);
  return {
    pid: process.pid,
    ...(start !== undefined ? { start } : {}),
    host: hostname(),
    nonce: randomBytes(12).toString('hex'),
    acquired_at: new Date().toISOString(),
  };
}

function serialise(record: LockRecord): string {
  return `${JSON.stringify(record)}\n`;
}

async function createExclusive(file: string, record: LockRecord): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(serialise(record));
  } finally {
    await handle.close();
  }
  return true;
}

async function readLockFile(file: string): Promise<LockFileState> {
  let raw: string;
  let mtimeMs: number;
  try {
    [raw, { mtimeMs }] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
  const record = parseRecord(raw);
  return record ? { kind: 'held', raw, mtimeMs, record } : { kind: 'unreadable', raw, mtimeMs };
}

function parseRecord(raw: string): LockRecord | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockRecord>;
    if (typeof value.pid === 'number' && Number.isInteger(value.pid) && value.pid > 0 && typeof value.host === 'string' && typeof value.nonce === 'string') {
      return value as LockRecord;
    }
  } catch {
    // falls through: a half-written or foreign file
  }
  return undefined;
}

function sameState(a: LockFileState, b: LockFileState): boolean {
  if (a.kind === 'missing' || b.kind === 'missing') return a.kind === b.kind;
  return a.raw === b.raw;
}

async function removeIfUnchanged(file: string, judged: LockFileState): Promise<void> {
  if (sameState(await readLockFile(file), judged)) await unlink(file).catch(ignoreMissing);
}

async function removeIfOurs(file: string, mine: LockRecord): Promise<void> {
  const now = await readLockFile(file);
  if (now.kind === 'held' && now.record.nonce === mine.nonce) await unlink(file).catch(ignoreMissing);
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

let exitHookInstalled = false;

/** A clean exit that forgot to release still leaves no lock file behind (a crash leaves a stale one, taken over). */
function removeLocksOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const entry of heldInThisProcess.values()) {
      try {
        const record = parseRecord(readFileSync(entry.lockFile, 'utf8'));
        if (entry.nonce !== undefined && record?.nonce === entry.nonce) unlinkSync(entry.lockFile);
      } catch {
        // nothing to clean up
      }
    }
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
