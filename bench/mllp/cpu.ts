import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time by process, read from /proc (Linux only), so that a benchmark line can say where each message's CPU
 * went: the receiver's main thread (the event loop that parses, translates and answers), the rest of the receiver
 * (garbage collection, libuv's pool), the nats-server the receiver started, PostgreSQL and the sender. On two shared
 * cores the sum per message bounds the rate: 2 s of CPU per second ÷ ms per message.
 */

export type CpuSnapshot = Record<CpuPart, number>;
export type CpuPart = 'receiver_main' | 'receiver_other' | 'nats_server' | 'postgres' | 'sender';

const TICKS_PER_S = 100; // USER_HZ: fixed at 100 on Linux whatever the kernel's HZ

export interface Stat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime, seconds */
  cpuS: number;
}

function readStat(path: string): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process or thread ended between the listing and the read
  }
  // comm is in parentheses and may itself hold spaces or parentheses: split at the last ')'.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  return {
    pid: Number(text.slice(0, text.indexOf(' '))),
    comm: text.slice(text.indexOf('(') + 1, close),
    ppid: Number(fields[1]),
    cpuS: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S,
  };
}

export function processes(): Stat[] {
  const out: Stat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(`/proc/${name}/stat`);
    if (s) out.push(s);
  }
  return out;
}

/** Whether this machine can be measured this way. */
export function cpuAccountingAvailable(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

/**
 * CPU seconds so far of each part. `receiverPid`: the receiver process (its main thread is the task with its own
 * id); nats-server is counted when it is the receiver's child; postgres is every process of that name (the
 * backends serving the receiver, the WAL writer, the checkpointer). The sender is this process.
 */
export function cpuSnapshot(receiverPid: number): CpuSnapshot {
  const all = processes();
  const receiverTotal = all.find((p) => p.pid === receiverPid)?.cpuS ?? 0;
  const main = readStat(`/proc/${receiverPid}/task/${receiverPid}/stat`)?.cpuS ?? 0;
  const own = process.cpuUsage();
  return {
    receiver_main: main,
    receiver_other: receiverTotal - main,
    nats_server: cpuOf(all, (p) => p.comm === 'nats-server' && p.ppid === receiverPid),
    postgres: postgresCpuSeconds(all),
    sender: (own.user + own.system) / 1e6,
  };
}

/** CPU seconds so far of every PostgreSQL process on the machine (backends, WAL writer, checkpointer). */
export function postgresCpuSeconds(all: Stat[] = processes()): number {
  return cpuOf(all, (p) => p.comm === 'postgres' || p.comm.startsWith('postgres:'));
}

function cpuOf(all: Stat[], pred: (p: Stat) => boolean): number {
  return all.filter(pred).reduce((s, p) => s + p.cpuS, 0);
}

/** Milliseconds of CPU per message of each part between two snapshots, and their total. */
export function cpuMsPerMessage(before: CpuSnapshot, after: CpuSnapshot, messages: number): Record<CpuPart | 'total', number> {
  const parts = Object.keys(before) as CpuPart[];
  const out = {} as Record<CpuPart | 'total', number>;
  let total = 0;
  for (const part of parts) {
    const ms = ((after[part] - before[part]) * 1000) / messages;
    out[part] = Math.round(ms * 1000) / 1000;
    total += ms;
  }
  out.total = Math.round(total * 1000) / 1000;
  return out;
}
