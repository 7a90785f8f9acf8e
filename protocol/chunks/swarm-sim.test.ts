// Deterministic swarm simulation: a few hundred seeds, each drawing its own size and fault mix.
// A corrupt host that owns chunks costs about 1/hosts of the bundle in origin refetches, a crashed owner up to
// its share: the 1.2 bound covers both. Reproduce one seed with SWARM_SEED=<n> npx vitest run --config test/vitest.config.ts protocol/chunks/swarm-sim

import { describe, expect, it } from 'vitest';
import { Swarm, swarmOptions } from './_sim/swarm.ts';
import type { SwarmResult } from './_sim/swarm.ts';

const SEEDS = process.env.SWARM_SEED !== undefined ? [Number(process.env.SWARM_SEED)] : Array.from({ length: 300 }, (_, i) => i + 1);

describe('chunk scheduler swarm simulation', () => {
  it(`every host completes, verifies each chunk once, and the origin sends about one copy (${SEEDS.length} seeds)`, () => {
    const results: SwarmResult[] = [];
    for (const seed of SEEDS) {
      const result = new Swarm(swarmOptions(seed)).run();
      results.push(result);
      if (result.failures.length > 0 || result.originRatio > 1.2) {
        const opts = JSON.stringify(result.options);
        throw new Error(
          `seed ${seed} failed: ${result.failures.slice(0, 5).join('; ') || `origin ratio ${result.originRatio.toFixed(3)}`}\n` +
            `options: ${opts}\nreproduce: SWARM_SEED=${seed} npx vitest run --config test/vitest.config.ts protocol/chunks/swarm-sim`,
        );
      }
    }
    const ratios = results.map((r) => r.originRatio).sort((a, b) => a - b);
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    const clean = results.filter((r) => r.options.crashes === 0 && !r.options.corruptHost).map((r) => r.originRatio);
    const ticks = results.map((r) => r.ticks).sort((a, b) => a - b);
    console.log(
      `swarm: ${results.length} seeds; origin bytes / bundle size: min ${ratios[0]!.toFixed(3)} mean ${mean.toFixed(3)} ` +
        `p99 ${ratios[Math.floor(ratios.length * 0.99)]!.toFixed(3)} max ${ratios.at(-1)!.toFixed(3)}; ` +
        `seeds with no crash and no corrupt host (${clean.length}) max ${clean.length > 0 ? Math.max(...clean).toFixed(3) : 'n/a'}; ` +
        `ticks p50 ${ticks[Math.floor(ticks.length / 2)]} max ${ticks.at(-1)}; corrupt peers dropped ${results.reduce((n, r) => n + r.dropped, 0)} times`,
    );
    expect(results.every((r) => r.completed)).toBe(true);
    expect(ratios.at(-1)!).toBeLessThanOrEqual(1.2);
  });

  it('is reproducible: the same seed gives the same run', () => {
    const a = new Swarm(swarmOptions(42)).run();
    const b = new Swarm(swarmOptions(42)).run();
    expect(b).toEqual(a);
  });
});
