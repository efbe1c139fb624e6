import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pidIsAlive, processStartTime } from './processes.ts';

describe.runIf(existsSync('/proc/self/stat'))('processStartTime (Linux /proc)', () => {
  it('reads field 22 of /proc/<pid>/stat: digits, stable for a process, different for an older one', () => {
    const mine = processStartTime(process.pid);
    expect(mine).toMatch(/^\d+$/);
    expect(processStartTime(process.pid)).toBe(mine);
    // pid 1 started before this process (clock ticks since boot only grow).
    expect(BigInt(processStartTime(1)!)).toBeLessThanOrEqual(BigInt(mine!));
  });

  it('is undefined for a pid that does not exist', () => {
    const gone = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
    expect(processStartTime(gone)).toBeUndefined();
    expect(pidIsAlive(gone)).toBe(false);
    expect(pidIsAlive(process.pid)).toBe(true);
  });
});
