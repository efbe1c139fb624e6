import { readFileSync } from 'node:fs';

/**
 * When a process started, as /proc/<pid>/stat field 22 (clock ticks since boot), or undefined where there is no
 * /proc or the process does not exist. With the pid it names a process uniquely: a pid reused after a crash (in a
 * container the gateway is pid 1 every time) has a different start time.
 */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 is the command name in parentheses and may itself hold spaces or ')', so count from the last ')'.
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // afterName[0] is field 3 (state), so field 22 is afterName[19].
  const start = afterName[19];
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

/** Whether a pid is alive (EPERM means alive but someone else's). */
export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
