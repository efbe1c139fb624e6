import { spawn, type ChildProcess } from 'node:child_process';
import { connectBus } from './bus/connection.ts';
import { deleteNamespace, testNamespace } from './bus/test-support.ts';
import { createTestDatabase } from './store/test-support.ts';

/**
 * The gateway as its users run it, for tests that stop, kill or restart it: `gateway start` in a child process
 * with only the settings given (and PATH, HOME, LOG_LEVEL=warn), its stderr kept for the failure message and its
 * log lines (stdout) for the checks that read them.
 */
export interface GatewayProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
  /** what it logged (JSON lines, at LOG_LEVEL) */
  logs: () => string;
}

export function startGatewayProcess(env: Record<string, string>): GatewayProcess {
  const child = spawn(process.execPath, ['bin/gateway.js', 'start'], {
    env: { PATH: `${process.env.PATH}:/usr/sbin`, HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let logs = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stderr: () => stderr, logs: () => logs };
}

/** Resolves once `/readyz` on `httpPort` answers 200 (bus and store reachable); throws if the process exits first. */
export async function waitGatewayReady(httpPort: number, proc: GatewayProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`gateway exited early: ${proc.stderr()}${lastLogLines(proc)}`);
    const ok = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then((r) => r.ok).catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway not ready in time: ${proc.stderr()}${lastLogLines(proc)}`);
}

function lastLogLines(proc: GatewayProcess): string {
  const lines = proc.logs().trim().split('\n').filter(Boolean).slice(-5);
  return lines.length > 0 ? `\nits last log lines:\n${lines.join('\n')}` : '';
}

/**
 * A fresh PostgreSQL database and bus namespace for one external-mode gateway; their removal is handed to
 * `onCleanup`, to run after the test.
 */
export async function freshExternalStores(natsUrl: string, onCleanup: (cleanup: () => Promise<unknown>) => void) {
  const db = await createTestDatabase();
  onCleanup(db.drop);
  return { db, namespace: freshNamespace(natsUrl, onCleanup) };
}

/** A bus namespace of its own, its streams and buckets deleted by the cleanup handed to `onCleanup`. */
export function freshNamespace(natsUrl: string, onCleanup: (cleanup: () => Promise<unknown>) => void): string {
  const namespace = testNamespace();
  onCleanup(async () => {
    const bus = await connectBus(natsUrl, 'cleanup', namespace);
    await deleteNamespace(bus);
    await bus.close();
  });
  return namespace;
}
