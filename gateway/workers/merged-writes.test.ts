import { describe, expect, it } from 'vitest';
import { MergedWrites } from './merged-writes.ts';

/** A write that completes only when the test says so: it doubles each item, or fails when told to. */
function gatedWrite() {
  const writes: number[][] = [];
  const gates: { open: () => void; fail: (e: Error) => void }[] = [];
  const write = (items: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      writes.push(items);
      gates.push({ open: () => resolve(items.map((n) => n * 2)), fail: reject });
    });
  return { writes, gates, write };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('MergedWrites', () => {
  it('writes a lone batch at once, then the batches submitted meanwhile as one write, each getting its own results', async () => {
    const w = gatedWrite();
    const merged = new MergedWrites(w.write, 100);
    const first = merged.submit([1, 2]);
    expect(w.writes).toEqual([[1, 2]]);
    const a = merged.submit([3]);
    const b = merged.submit([4, 5, 6]);
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
    const w = gatedWrite();
    const merged = new MergedWrites(w.write, 100);
    const first = merged.submit([1]);
    const good = merged.submit([2]);
    const poison = merged.submit([3]);
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
    const w = gatedWrite();
    const merged = new MergedWrites(w.write, 3);
    const all = [[1], [2, 3], [4], [5, 6, 7, 8], [9]].map((items) => merged.submit(items));
    for (let i = 0; i < 4; i++) {
      await tick();
      w.gates[i]!.open();
    }
    await Promise.all(all);
    expect(w.writes).toEqual([[1], [2, 3, 4], [5, 6, 7, 8], [9]]);
  });
});
