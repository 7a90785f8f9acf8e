// A fault-free OneAtATime rollout on the simulator, measured: slot messages per host and the protocol's
// part of each hand-over in simulated time. Shared by the message-growth test and bench:slot-messages.
import { ONE_AT_A_TIME } from '../../protocol/rollout/config.ts';
import { Cluster, type HostTraffic } from './cluster.ts';
import { Prng } from './prng.ts';

export interface FaultFreeRollout {
  readonly n: number;
  readonly final: string;
  /** Point-to-point messages per host (sent + received): the mean, and the busiest host (a committee member). */
  readonly p2pMean: number;
  readonly p2pMax: number;
  /** Chosen values per host: gossip publishes sent + copies received. */
  readonly chosenMean: number;
  /** Each hand-over: a host's success reported → the next host granted, in simulated ms. */
  readonly handoverMs: readonly number[];
  readonly endMs: number;
}

/** N hosts, links of `linkMs` each way, every deploy taking 100 ms. */
export function faultFreeRollout(n: number, opts: { committeeSize?: number; linkMs?: number } = {}): FaultFreeRollout {
  const cluster = new Cluster({
    n, config: ONE_AT_A_TIME, ...(opts.committeeSize !== undefined ? { committeeSize: opts.committeeSize } : {}),
    network: { lossPerMille: 0, replayPerMille: 0, delayMinMs: opts.linkMs ?? 1, delayMeanMs: 0, pathCapacity: 1024 },
    deployMs: [100, 100], failPerMille: 0, codec: false,
  }, new Prng(n));
  cluster.traceOn = true;
  for (const id of cluster.ids) cluster.open(id);
  if (!cluster.runUntil(() => cluster.allFinal(), 3_600_000)) throw new Error(`N=${n}: the rollout did not finish`);
  const traffic = [...cluster.traffic.values()];
  const p2p = (t: HostTraffic): number => t.sent + t.received;
  return {
    n,
    final: cluster.hosts.get(cluster.ids[0]!)!.final!.state,
    p2pMean: mean(traffic.map(p2p)),
    p2pMax: Math.max(...traffic.map(p2p)),
    chosenMean: mean(traffic.map((t) => t.broadcastSent + t.broadcastReceived)),
    handoverMs: handovers(cluster.trace),
    endMs: cluster.now,
  };
}

/** From the trace: each "deploy succeeded" → the next "deploy slot" line (OneAtATime: one slot). */
function handovers(trace: readonly string[]): number[] {
  const out: number[] = [];
  let succeededAt: number | undefined;
  for (const line of trace) {
    const at = Number(line.trim().split(/\s+/)[0]);
    if (line.endsWith(' deploy succeeded')) succeededAt = at;
    else if (line.includes(' deploy slot ') && succeededAt !== undefined) {
      out.push(at - succeededAt);
      succeededAt = undefined;
    }
  }
  return out;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
