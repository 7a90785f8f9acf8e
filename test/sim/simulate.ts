// One seeded run: phase 1 (workload under swarm faults, checkers on every step), then liveness
// mode (heal, restart every host, faults off) in which every node must reach the same final state,
// and that state must follow the rollout rules given what really happened to each host.
import { deploymentStatus } from '../../protocol/rollout/outcome.ts';
import { LearnedView } from '../../protocol/slots/view.ts';
import { InvariantViolation } from './checkers.ts';
import { Cluster } from './cluster.ts';
import { swarmOptions, type SimOptions } from './options.ts';
import { Prng, saltSeed } from './prng.ts';

export type FailureKind = 'crash' | 'liveness' | 'correctness';
export const EXIT_CODES: Record<FailureKind, number> = { crash: 127, liveness: 128, correctness: 129 };

export interface SimResult {
  readonly seed: number;
  readonly options: SimOptions;
  readonly ok: boolean;
  readonly kind?: FailureKind;
  readonly message?: string;
  readonly status?: string;
  readonly endMs: number;
  readonly messages: number;
  readonly trace: readonly string[];
}

export function runSeed(seed: number, opts?: { trace?: boolean; options?: SimOptions }): SimResult {
  const options = opts?.options ?? swarmOptions(seed);
  const root = new Prng(saltSeed(seed, 0x5eed));
  const cluster = new Cluster(
    { n: options.n, config: options.config, ...(options.committeeSize ? { committeeSize: options.committeeSize } : {}), network: options.network, deployMs: options.deployMs, failPerMille: options.failPerMille },
    root.fork(),
  );
  cluster.traceOn = opts?.trace ?? false;
  const base = { seed, options, endMs: 0, messages: 0, trace: cluster.trace };
  try {
    for (const id of cluster.ids) cluster.open(id);
    const faults = new Faults(cluster, options, root.fork());
    cluster.runUntil(() => false, options.phase1Ms, () => faults.tick());
    // Liveness mode: heal, restart everyone, no more faults.
    cluster.log('liveness mode');
    cluster.net.heal();
    cluster.net.options = { ...cluster.net.options, lossPerMille: 0, replayPerMille: 0 };
    for (const id of cluster.ids) cluster.open(id);
    const done = cluster.runUntil(() => cluster.allFinal(), options.phase1Ms + options.livenessMs);
    const end = { ...base, endMs: cluster.now, messages: cluster.net.stats.sent };
    if (!done) return { ...end, ok: false, kind: 'liveness', message: `not final: ${describe(cluster)}` };
    const status = checkFinal(cluster);
    return { ...end, ok: true, status };
  } catch (e) {
    const kind: FailureKind = e instanceof InvariantViolation ? 'correctness' : 'crash';
    const message = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    return { ...base, endMs: cluster.now, messages: cluster.net.stats.sent, ok: false, kind, message };
  }
}

/** Crash/restart, partitions, stop and operator force-release, scheduled from the seed. */
class Faults {
  private readonly crashAt = new Map<string, number>();
  private readonly restartAt = new Map<string, number>();
  private partitionAt: number | undefined;
  private healAt: number | undefined;
  private stopDone = false;

  constructor(
    private readonly c: Cluster,
    private readonly o: SimOptions,
    private readonly p: Prng,
  ) {
    if (o.crashGapMs) for (const id of c.ids) this.crashAt.set(id, this.p.int(...o.crashGapMs));
    if (o.partitionGapMs) this.partitionAt = this.p.int(...o.partitionGapMs);
  }

  /** Applies faults due now; returns the next fault time (so the loop wakes up for it). */
  tick(): number | undefined {
    const now = this.c.now;
    for (const [id, at] of this.crashAt) {
      if (at > now) continue;
      const holder = this.c.checker.holders().has(id);
      this.c.crash(id);
      this.crashAt.delete(id);
      this.restartAt.set(id, now + this.p.int(...this.o.downMs));
      if (holder && this.p.chance(this.o.forceReleasePerMille, 1000)) this.forceRelease(id);
    }
    for (const [id, at] of this.restartAt) {
      if (at > now) continue;
      this.restartAt.delete(id);
      this.c.open(id);
      if (this.o.crashGapMs) this.crashAt.set(id, now + this.p.int(...this.o.crashGapMs));
    }
    this.partitions(now);
    if (!this.stopDone && this.o.stopAtMs !== null && now >= this.o.stopAtMs) {
      const live = this.c.ids.filter((id) => !this.c.host(id).crashed);
      if (live.length > 0) {
        this.stopDone = true;
        this.c.stopAt(this.p.pick(live));
      }
    }
    let next = this.o.stopAtMs !== null && !this.stopDone ? Math.max(this.o.stopAtMs, now + 1) : undefined;
    const earlier = (t: number | undefined): void => {
      if (t !== undefined && (next === undefined || t < next)) next = t;
    };
    for (const t of this.crashAt.values()) earlier(t);
    for (const t of this.restartAt.values()) earlier(t);
    earlier(this.partitionAt);
    earlier(this.healAt);
    return next;
  }

  private partitions(now: number): void {
    if (this.healAt !== undefined && this.healAt <= now) {
      this.c.net.heal();
      this.c.log('heal');
      this.healAt = undefined;
      if (this.o.partitionGapMs) this.partitionAt = now + this.p.int(...this.o.partitionGapMs);
    }
    if (this.partitionAt !== undefined && this.partitionAt <= now) {
      this.partitionAt = undefined;
      const sides = new Map<string, number>();
      const isolateOne = this.p.chance(1, 2);
      const lone = this.p.pick(this.c.ids);
      for (const id of this.c.ids) sides.set(id, isolateOne ? (id === lone ? 1 : 0) : this.p.int(0, 1));
      const oneWay = this.p.chance(this.o.oneWayPerMille, 1000);
      this.c.net.partition(sides, oneWay);
      this.c.log(`partition ${[...sides].map(([id, s]) => `${id}:${s}`).join(' ')}${oneWay ? ' one-way' : ''}`);
      this.healAt = now + this.p.int(...this.o.partitionMs);
    }
  }

  /** The operator declares a crashed holder dead; the signed command reaches one live host. */
  private forceRelease(id: string): void {
    for (let s = 0; s < this.c.k; s += 1) {
      const log = this.c.checker.slotLog(s);
      const last = log[log.length - 1];
      if (last?.kind !== 'grant' || last.host !== id) continue;
      const live = this.c.ids.filter((h) => !this.c.host(h).crashed);
      if (live.length === 0) return;
      const to = this.p.pick(live);
      this.c.log(`operator force-release slot ${s} tenure ${(log.length - 1) >> 1} of ${id} → ${to}`);
      this.c.input(this.c.host(to), (n) => n.forceRelease(this.c.now, s, (log.length - 1) >> 1, id));
    }
  }
}

/** Every node agrees, and the agreed state follows the rollout rules given the hosts' real fates. */
function checkFinal(c: Cluster): string {
  const fail = (m: string): never => {
    throw new InvariantViolation(m);
  };
  const logs = Array.from({ length: c.k }, (_, s) => c.checker.slotLog(s));
  const view = new LearnedView(c.ids, c.k, c.m, logs);
  const expected = view.status();
  for (const h of c.hosts.values()) {
    if (JSON.stringify(h.final) !== JSON.stringify(expected)) fail(`${h.id} final ${JSON.stringify(h.final)} ≠ ${JSON.stringify(expected)}`);
    if (h.deploying) fail(`${h.id} still deploying at the end`);
  }
  const revoked = c.checker.revoked();
  let succeeded = 0;
  for (const h of c.hosts.values()) {
    const p = view.progress(h.id);
    if (p === 'holding') fail(`${h.id} still holds a slot in a final state`);
    if (h.succeeded && p !== 'succeeded' && !revoked.has(h.id)) fail(`${h.id} succeeded but is recorded ${p}`);
    if (h.failed && p !== 'failed') fail(`${h.id} failed but is recorded ${p}`);
    if (p === 'succeeded' && !h.succeeded) fail(`${h.id} recorded succeeded without deploying`);
    if (p === 'failed' && !h.failed && !revoked.has(h.id)) fail(`${h.id} recorded failed without failing`);
    if (p === 'succeeded') succeeded += 1;
  }
  const counts = view.counts();
  if (JSON.stringify(deploymentStatus(counts)) !== JSON.stringify(expected)) fail('status is not a function of the counts');
  switch (expected.state) {
    case 'succeeded':
      if (succeeded < c.m || succeeded < 1 || counts.succeeded + counts.failed !== c.ids.length) fail('success rule broken');
      break;
    case 'stopped':
      if (!c.stopIssued) fail('stopped without a stop');
      break;
    case 'failed':
      if (expected.reason === 'HEALTH_CONSTRAINTS_INVALID' && [...c.hosts.values()].some((h) => h.deployed)) {
        fail('a host deployed although m ≥ N');
      }
      if (expected.reason === 'NO_HOST_CAN_START' && counts.slotsBurned !== c.k) fail('failed early with a free slot');
      break;
    case 'in-progress':
      fail('in-progress is not final');
  }
  return `${expected.state}${expected.reason ? ` (${expected.reason})` : ''}`;
}

function describe(c: Cluster): string {
  return [...c.hosts.values()]
    .map((h) => `${h.id}:${h.node === null ? 'down' : h.node.self().phase}/${h.final?.state ?? '-'}`)
    .join(' ') + ` logs=${JSON.stringify(Array.from({ length: c.k }, (_, s) => c.checker.slotLog(s).map((v) => v.kind[0])))}`;
}

export function formatOptions(o: SimOptions): string {
  return JSON.stringify(o);
}
