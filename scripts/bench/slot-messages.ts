// Slot-protocol messages per host per deployment, from the deterministic simulator: the real sans-IO
// SlotNode on every host, a fault-free network with 1 ms links, every deploy taking 100 ms, OneAtATime. It
// counts what the protocol itself sends, without the timeouts and retries an overloaded machine adds to
// the multi-process benchmark (npm run bench:rollout; its 30-agent run on 2 cores is mostly those).
// Prints, per N: point-to-point messages per host (sent + received; the mean, and the busiest host, a
// committee member), chosen values per host (gossip publishes sent + copies received), each against the
// first N, and the protocol's part of a hand-over in simulated time (a host's success → the next grant).
//   npm run bench:slot-messages -- [--agents 10,20,30,50] [--committee 5] [--link-ms 1]
import { faultFreeRollout } from '../../test/sim/fault-free.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const sizes = (arg('agents') ?? '10,20,30,50').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 2)) throw new Error('--agents takes host counts of 2 or more, comma-separated');
  const committeeSize = arg('committee') === undefined ? undefined : Number(arg('committee'));
  const linkMs = Number(arg('link-ms') ?? '1');
  const rows = sizes.map((n) => faultFreeRollout(n, { linkMs, ...(committeeSize !== undefined ? { committeeSize } : {}) }));
  const base = rows[0]!;
  console.log(`Slot protocol, simulated: OneAtATime, fault-free network, ${linkMs} ms links, 100 ms deploys, the real SlotNode on every host`);
  console.log('hosts | final     | p2p msgs/host | vs first | busiest host | vs first | chosen msgs/host | vs first | hand-over p50 (simulated) | max');
  for (const r of rows) {
    console.log([
      String(r.n).padStart(5), r.final.padEnd(9),
      r.p2pMean.toFixed(1).padStart(13), `${(r.p2pMean / base.p2pMean).toFixed(2)}x`.padStart(8),
      String(r.p2pMax).padStart(12), `${(r.p2pMax / base.p2pMax).toFixed(2)}x`.padStart(8),
      r.chosenMean.toFixed(1).padStart(16), `${(r.chosenMean / base.chosenMean).toFixed(2)}x`.padStart(8),
      `${median(r.handoverMs)} ms`.padStart(25), `${Math.max(...r.handoverMs)} ms`,
    ].join(' | '));
  }
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

main();
