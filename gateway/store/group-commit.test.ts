import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';

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
    const group = new GroupCommit(w.write, 2);
    const all = [1, 2, 3, 4, 5].map((n) => group.submit(n));
    for (let i = 0; i < 3; i++) {
      await tick();
      w.gates[i]!.open();
    }
    await Promise.all(all);
    expect(w.batches).toEqual([[1], [2, 3], [4, 5]]);
  });
});
