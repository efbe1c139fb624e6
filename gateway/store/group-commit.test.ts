import { describe, expect, it } from 'vitest';
import { GroupCommit, StoreWriteTimeoutError } from './group-commit.ts';
import { isStoreUnavailable } from './pg-errors.ts';

/** A write that completes only when the test says so, recording each batch it was given. */
function gatedWriter() {
  const batches: number[][] = [];
  const gates: { open: () => void; fail: (e: Error) => void }[] = [];
  const write = (items: number[]) =>
    new Promise<void>((resolve, reject) => {
      batches.push(items);
      gates.push({ open: resolve, fail: reject });
    });
  return { batches, gates, write };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('writes a lone item at once, and items arriving during that write together afterwards', async () => {
    const w = gatedWriter();
    const group = new GroupCommit(w.write);
    const first = group.submit(1);
    expect(w.batches).toEqual([[1]]);
    const later = [group.submit(2), group.submit(3), group.submit(4)];
    await tick();
    expect(w.batches).toEqual([[1]]);
    w.gates[0]!.open();
    await first;
    await tick();
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    w.gates[1]!.open();
    await Promise.all(later);
  });

  it('fails every item of a failed batch, and only those', async () => {
    const w = gatedWriter();
    const group = new GroupCommit(w.write);
    const first = group.submit(1);
    const second = group.submit(2);
    w.gates[0]!.fail(new Error('database gone'));
    await expect(first).rejects.toThrow('database gone');
    await tick();
    w.gates[1]!.open();
    await expect(second).resolves.toBeUndefined();
  });

  it('splits a long queue into batches of at most maxBatch, in order', async () => {
    const w = gatedWriter();
    const group = new GroupCommit(w.write, { maxItems: 2 });
    const all = [1, 2, 3, 4, 5].map((n) => group.submit(n));
    for (let i = 0; i < 3; i++) {
      await tick();
      w.gates[i]!.open();
    }
    await Promise.all(all);
    expect(w.batches).toEqual([[1], [2, 3], [4, 5]]);
  });
});

/** A write that completes only when the test says so: it doubles each item, or fails when told to. */
function doublingWrite() {
  const writes: number[][] = [];
  const gates: { open: () => void; fail: (e: Error) => void }[] = [];
  const write = (items: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      writes.push(items);
      gates.push({ open: () => resolve(items.map((n) => n * 2)), fail: reject });
    });
  return { writes, gates, write };
}


describe('GroupCommit of whole batches', () => {
  it('writes a lone batch at once, then the batches submitted meanwhile as one write, each getting its own results', async () => {
    const w = doublingWrite();
    const merged = new GroupCommit(w.write, { maxItems: 100, onFailure: 'retry-apart' });
    const first = merged.submitAll([1, 2]);
    expect(w.writes).toEqual([[1, 2]]);
    const a = merged.submitAll([3]);
    const b = merged.submitAll([4, 5, 6]);
    await tick();
    expect(w.writes).toHaveLength(1);
    w.gates[0]!.open();
    expect(await first).toEqual([2, 4]);
    await tick();
    expect(w.writes).toEqual([[1, 2], [3, 4, 5, 6]]);
    w.gates[1]!.open();
    expect(await a).toEqual([6]);
    expect(await b).toEqual([8, 10, 12]);
  });

  it('retries a failed merged write batch by batch, so only the batch that fails again is refused', async () => {
    const w = doublingWrite();
    const merged = new GroupCommit(w.write, { maxItems: 100, onFailure: 'retry-apart' });
    const first = merged.submitAll([1]);
    const good = merged.submitAll([2]);
    const poison = merged.submitAll([3]);
    w.gates[0]!.open();
    await first;
    await tick();
    expect(w.writes.at(-1)).toEqual([2, 3]);
    w.gates[1]!.fail(new Error('row 3 is poison'));
    await tick();
    expect(w.writes.at(-1)).toEqual([2]);
    w.gates[2]!.open();
    expect(await good).toEqual([4]);
    await tick();
    expect(w.writes.at(-1)).toEqual([3]);
    w.gates[3]!.fail(new Error('row 3 is poison'));
    await expect(poison).rejects.toThrow('row 3 is poison');
  });

  it('merges whole batches up to maxItems and never splits one, in submission order', async () => {
    const w = doublingWrite();
    const merged = new GroupCommit(w.write, { maxItems: 3, onFailure: 'retry-apart' });
    const all = [[1], [2, 3], [4], [5, 6, 7, 8], [9]].map((items) => merged.submitAll(items));
    for (let i = 0; i < 4; i++) {
      await tick();
      w.gates[i]!.open();
    }
    await Promise.all(all);
    expect(w.writes).toEqual([[1], [2, 3, 4], [5, 6, 7, 8], [9]]);
  });
});

describe('GroupCommit with a time bound', () => {
  it('fails the submissions of a write that never settles, as retryable, and goes on with the next', async () => {
    const writer = gatedWriter();
    const commit = new GroupCommit<number>(writer.write, { timeoutMs: 50, onFailure: 'retry-apart' });
    const stalled = commit.submit(1);
    const behind = [commit.submit(2), commit.submit(3)];
    const error = await stalled.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreWriteTimeoutError);
    expect(isStoreUnavailable(error)).toBe(true);
    // The two queued behind it went as one write, not one by one after the stall.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(writer.batches).toEqual([[1], [2, 3]]);
    writer.gates[1]!.open();
    await Promise.all(behind);
    // The abandoned write settling late changes nothing.
    writer.gates[0]!.fail(new Error('late'));
  });

  it('fails a merged write that stalls together, instead of retrying each submission into the same stall', async () => {
    const writer = gatedWriter();
    const commit = new GroupCommit<number>(writer.write, { timeoutMs: 50, onFailure: 'retry-apart' });
    const first = commit.submit(1);
    const merged = [commit.submit(2), commit.submit(3)];
    writer.gates[0]!.open();
    await first;
    const errors = await Promise.all(merged.map((p) => p.catch((e: unknown) => e)));
    expect(errors.every((e) => e instanceof StoreWriteTimeoutError)).toBe(true);
    expect(writer.batches).toEqual([[1], [2, 3]]);
  });
});
