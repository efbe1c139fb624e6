import { describe, expect, it } from 'vitest';
import { Lanes } from './lanes.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ordering lanes', () => {
  it('runs one key in submission order even when earlier work is slower', async () => {
    const lanes = new Lanes();
    const done: string[] = [];
    await Promise.all([
      lanes.run('F1|pt_a', async () => (await tick(30), done.push('a1'))),
      lanes.run('F1|pt_a', async () => (await tick(1), done.push('a2'))),
      lanes.run('F1|pt_a', async () => done.push('a3')),
    ]);
    expect(done).toEqual(['a1', 'a2', 'a3']);
    expect(lanes.active).toBe(0);
  });

  it('runs different keys concurrently', async () => {
    const lanes = new Lanes();
    const done: string[] = [];
    await Promise.all([
      lanes.run('F1|pt_a', async () => (await tick(40), done.push('slow a'))),
      lanes.run('F1|pt_b', async () => (await tick(1), done.push('fast b'))),
    ]);
    expect(done).toEqual(['fast b', 'slow a']);
  });

  it('keeps going after a failure and hands the failure to its caller only', async () => {
    const lanes = new Lanes();
    const failed = lanes.run('k', async () => {
      throw new Error('boom');
    });
    const next = lanes.run('k', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
