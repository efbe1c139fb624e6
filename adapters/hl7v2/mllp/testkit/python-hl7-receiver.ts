import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Debian's python3-hl7 (scripts/test installs it); tests that use the receiver skip, with a warning, without it. */
export const PYTHON_HL7_PRESENT = existsSync('/usr/lib/python3/dist-packages/hl7/mllp');

/** Starts python-hl7-receiver.py (a python-hl7 MLLP receiver answering AA) and resolves with its port. */
export async function startPythonHl7Receiver(): Promise<{ port: number; close(): Promise<void> }> {
  const script = new URL('./python-hl7-receiver.py', import.meta.url).pathname;
  const child = spawn('/usr/bin/python3', [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the python-hl7 receiver did not start within 10 s')), 10_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(Number(line));
    });
    child.once('exit', (code) => reject(new Error(`the python-hl7 receiver exited with ${code}`)));
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end();
        setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
      }),
  };
}
