import { describe, expect, it } from 'vitest';
import { BufferBudget } from './buffer-budget.ts';

function connections(budget: BufferBudget, count: number) {
  return Array.from({ length: count }, () => {
    const told = { times: 0 };
    const account = budget.open(() => (told.times += 1));
    return { account, told };
  });
}

describe('BufferBudget', () => {
  it('lets every connection read while all of them together hold no more than the limit', () => {
    const budget = new BufferBudget(1000);
    const [a, b] = connections(budget, 2);
    a!.account.set(600);
    b!.account.set(400);
    expect(budget.heldBytes()).toBe(1000);
    expect([a!.account.mayRead(), b!.account.mayRead()]).toEqual([true, true]);
  });

  it('over the limit, lets only the connection that has held bytes longest read on', () => {
    const budget = new BufferBudget(1000);
    const [a, b, c] = connections(budget, 3);
    b!.account.set(300); // b holds first
    a!.account.set(600);
    c!.account.set(200);
    expect(budget.heldBytes()).toBe(1100);
    expect([a!.account.mayRead(), b!.account.mayRead(), c!.account.mayRead()]).toEqual([false, true, false]);
    // what b holds growing does not let anyone else in
    b!.account.set(500);
    expect([a!.told.times, c!.told.times]).toEqual([0, 0]);
    expect(budget.pausedCount()).toBe(2);
  });

  it('tells the next oldest holder when the oldest is worked off, and everyone once back under the limit', () => {
    const budget = new BufferBudget(1000);
    const [a, b, c, idle] = connections(budget, 4);
    a!.account.set(700);
    b!.account.set(500);
    c!.account.set(400);
    expect([b!.account.mayRead(), c!.account.mayRead(), idle!.account.mayRead()]).toEqual([false, false, false]);
    a!.account.set(0); // a's frame reached the handler and was answered: 900 held, under the limit
    expect([b!.told.times, c!.told.times, idle!.told.times]).toEqual([1, 1, 1]);
    expect(budget.pausedCount()).toBe(0);

    b!.account.set(800); // 1200 again: b is now the oldest holder
    expect([b!.account.mayRead(), c!.account.mayRead()]).toEqual([true, false]);
    b!.account.set(700); // 1100: still over, and b still the oldest, so c is not told
    expect(c!.told.times).toBe(1);
    b!.account.set(0); // 400 held: c is told
    expect(c!.told.times).toBe(2);
  });

  it('tells a refused connection when the oldest holder leaves, though the total is still over the limit', () => {
    const budget = new BufferBudget(100);
    const [a, b, c] = connections(budget, 3);
    a!.account.set(80);
    b!.account.set(80);
    c!.account.set(80);
    expect([b!.account.mayRead(), c!.account.mayRead()]).toEqual([false, false]);
    a!.account.close();
    expect(budget.heldBytes()).toBe(160);
    expect([b!.told.times, c!.told.times]).toEqual([1, 0]);
    expect(c!.account.mayRead()).toBe(false);
  });

  it('forgets a closed connection: its bytes and its wait', () => {
    const budget = new BufferBudget(100);
    const [a, b] = connections(budget, 2);
    a!.account.set(150);
    expect(b!.account.mayRead()).toBe(false);
    b!.account.close();
    a!.account.set(0);
    expect(b!.told.times).toBe(0);
    expect(budget.heldBytes()).toBe(0);
  });

  it('tells its owner once when the total goes over the limit and once when it is back under', () => {
    const changes: [boolean, number][] = [];
    const budget = new BufferBudget(100, (over, held) => changes.push([over, held]));
    const [a, b] = connections(budget, 2);
    a!.account.set(60);
    b!.account.set(60);
    a!.account.set(90);
    b!.account.set(5);
    a!.account.set(0);
    expect(changes).toEqual([
      [true, 120],
      [false, 95],
    ]);
  });

  it('refuses a limit that is not a positive whole number', () => {
    expect(() => new BufferBudget(0)).toThrow(RangeError);
    expect(() => new BufferBudget(Number.NaN)).toThrow(/positive integer/);
  });
});
