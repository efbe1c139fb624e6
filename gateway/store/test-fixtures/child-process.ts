import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HOLDER_SCRIPT = fileURLToPath(new URL('./hold-data-dir-lock.ts', import.meta.url));

export interface LockHolderProcess {
  child: ChildProcess;
  /** Resolves with "locked" once the lock is held, or with the exit code and stderr if the process ended first. */
  outcome: Promise<{ locked: true } | { locked: false; code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  exited: Promise<void>;
}

/** Starts `node --import tsx hold-data-dir-lock.ts <dataDir>` as a separate process. */
export function spawnLockHolder(dataDir: string): LockHolderProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER_SCRIPT, dataDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const outcome = new Promise<Awaited<LockHolderProcess['outcome']>>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('locked ')) resolve({ locked: true });
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    void exited.then(({ code, signal }) => resolve({ locked: false, code, signal, stderr }));
  });
  return { child, outcome, exited: exited.then(() => undefined) };
}
