import { expect } from 'vitest';
import { runSeed } from './simulate.ts';

/** 2,000 seeds in the normal run, split over two files so vitest's two workers share them. */
export const SEEDS_PER_FILE = 1_000;
export const SEED_BASE = 1;

export function sweep(from: number, count: number): void {
  const failures: string[] = [];
  for (let seed = from; seed < from + count; seed += 1) {
    const r = runSeed(seed);
    if (!r.ok) failures.push(`${r.kind} at seed ${seed}: ${r.message?.split('\n')[0]}\nreproduce: npm run sim -- --seed ${seed}`);
    if (failures.length >= 3) break;
  }
  expect(failures.join('\n\n')).toBe('');
}
