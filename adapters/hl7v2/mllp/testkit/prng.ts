import { createPrng } from '../../testing/prng.ts';

/** A seeded source of numbers in [0, 1) (the adapter's one PRNG, testing/prng.ts), for reproducible tests and bench messages. */
export function seededRandom(seed: number): () => number {
  const prng = createPrng(seed);
  return () => prng.next();
}

/** Integer in [min, max], inclusive. */
export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
