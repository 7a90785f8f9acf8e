// Per-seed options. Swarm testing: the fault rates themselves are drawn from the seed, so each
// seed tries a different mix (TigerBeetle's options_swarm).
import { ALL_AT_ONCE, customConfig, HALF_AT_A_TIME, ONE_AT_A_TIME, type DeploymentConfig } from '../../protocol/rollout/config.ts';
import type { NetworkOptions } from './network.ts';
import { Prng } from './prng.ts';

export type Range = readonly [number, number];

export interface SimOptions {
  readonly seed: number;
  readonly n: number;
  readonly config: string | DeploymentConfig;
  readonly committeeSize?: number;
  readonly network: NetworkOptions;
  /** Gap between crashes of one host (null: no crashes) and how long it stays down. */
  readonly crashGapMs: Range | null;
  readonly downMs: Range;
  /** Gap between partitions (null: none), their length, and the chance one is one-way. */
  readonly partitionGapMs: Range | null;
  readonly partitionMs: Range;
  readonly oneWayPerMille: number;
  readonly deployMs: Range;
  readonly failPerMille: number;
  /** When a stop reaches one random live host (null: never). */
  readonly stopAtMs: number | null;
  /** Chance that a crash of a holder makes the operator force-release its slot. */
  readonly forceReleasePerMille: number;
  readonly phase1Ms: number;
  readonly livenessMs: number;
}

export function swarmOptions(seed: number): SimOptions {
  const p = new Prng(seed);
  const n = p.int(3, 9);
  const configs: (string | DeploymentConfig)[] = [
    ONE_AT_A_TIME,
    HALF_AT_A_TIME,
    ALL_AT_ONCE,
    customConfig('hosts', 'HOST_COUNT', p.int(0, n)),
    customConfig('percent', 'FLEET_PERCENT', p.int(0, 99)),
  ];
  const crashy = p.chance(3, 4);
  const partitions = p.chance(1, 2);
  return {
    seed,
    n,
    config: p.pick(configs),
    ...(n > 5 && p.chance(1, 2) ? { committeeSize: p.pick([3, 5]) } : {}),
    network: {
      lossPerMille: p.pick([0, p.int(0, 100), p.int(0, 300)]),
      replayPerMille: p.pick([0, p.int(0, 200), p.int(0, 500)]),
      delayMinMs: p.int(0, 20),
      delayMeanMs: p.int(2, 60),
      pathCapacity: p.int(4, 32),
    },
    crashGapMs: crashy ? [p.int(200, 2000), p.int(2000, 12_000)] : null,
    downMs: [p.int(10, 500), p.int(500, 4000)],
    partitionGapMs: partitions ? [p.int(200, 2000), p.int(2000, 10_000)] : null,
    partitionMs: [p.int(50, 500), p.int(500, 5000)],
    oneWayPerMille: p.int(0, 500),
    deployMs: [p.int(20, 300), p.int(300, 2500)],
    failPerMille: p.pick([0, p.int(0, 150), p.int(0, 500)]),
    stopAtMs: p.chance(1, 6) ? p.int(0, 10_000) : null,
    forceReleasePerMille: p.pick([0, p.int(0, 500)]),
    phase1Ms: 12_000,
    livenessMs: 120_000,
  };
}
