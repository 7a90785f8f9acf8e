// A simulated fleet: one SlotNode per host driven quinn-style (drain persist → transmits →
// timeout → events after every input), an in-memory disk per host that survives crashes, a
// deploy model, and the checkers. Crash = discard the node (volatile state); restart = a new
// SlotNode built from the disk. Disks are exact: a persist drained is durable (fsync model).
import { maxUnhealthy, minimumHealthy, resolveConfig } from '../../protocol/rollout/config.ts';
import type { DeploymentStatus } from '../../protocol/rollout/outcome.ts';
import { decodeMessage, encodeMessage } from '../../protocol/slots/codec.ts';
import { chooseCommittee, quorumSize } from '../../protocol/slots/committee.ts';
import { SlotNode, type SlotEvent } from '../../protocol/slots/node.ts';
import type { DurableState, SlotMessage } from '../../protocol/slots/types.ts';
import { checkUnhealthy, InvariantViolation, SlotChecker } from './checkers.ts';
import { Network, type NetworkOptions } from './network.ts';
import { Prng } from './prng.ts';
import type { Range } from './options.ts';

export interface ClusterInit {
  readonly n: number;
  readonly config: SimConfig;
  readonly committeeSize?: number;
  readonly network: NetworkOptions;
  readonly deployMs: Range;
  readonly failPerMille: number;
  /** Round-trip messages through the codec: true = all, false = none, default = every 4th. */
  readonly codec?: boolean;
}
type SimConfig = Parameters<typeof resolveConfig>[0];

export class Host {
  node: SlotNode | null = null;
  disk: DurableState | undefined;
  deadline: number | undefined;
  deploy: { until: number; succeed: boolean } | null = null;
  succeeded = false;
  failed = false;
  deployed = false;
  final: DeploymentStatus | null = null;
  /** Chosen entries this host has broadcast (counted once each, as the agent publishes them once). */
  readonly broadcastEntries = new Set<string>();
  constructor(
    readonly id: string,
    readonly rng: Prng,
  ) {}
  get crashed(): boolean {
    return this.node === null;
  }
  get deploying(): boolean {
    return this.deploy !== null;
  }
}

/** Slot messages one host sent and received, counted as the agent's transport counts them. */
export interface HostTraffic {
  /** Point to point, sent and received. */
  sent: number;
  received: number;
  /** Chosen values broadcast: one per value sent (the agent publishes it once on gossip), one per copy received. */
  broadcastSent: number;
  broadcastReceived: number;
}

export class Cluster {
  now = 0;
  readonly deployment = 'd-sim';
  readonly ids: string[];
  readonly hosts = new Map<string, Host>();
  readonly net: Network;
  readonly checker: SlotChecker;
  readonly m: number;
  readonly k: number;
  readonly committee: string[];
  readonly trace: string[] = [];
  readonly traffic = new Map<string, HostTraffic>();
  traceOn = false;
  stopIssued = false;
  private readonly prng: Prng;

  constructor(
    readonly init: ClusterInit,
    prng: Prng,
  ) {
    this.prng = prng;
    this.ids = Array.from({ length: init.n }, (_, i) => `h${i}`);
    const config = resolveConfig(init.config);
    this.m = minimumHealthy(config, init.n);
    this.k = maxUnhealthy(config, init.n);
    this.committee = chooseCommittee(this.deployment, this.ids, init.committeeSize);
    this.checker = new SlotChecker(quorumSize(this.committee), new Set(this.committee));
    this.net = new Network(prng.fork(), { ...init.network });
    for (const id of this.ids) {
      this.hosts.set(id, new Host(id, prng.fork()));
      this.traffic.set(id, { sent: 0, received: 0, broadcastSent: 0, broadcastReceived: 0 });
    }
  }

  host(id: string): Host {
    const h = this.hosts.get(id);
    if (h === undefined) throw new Error(`no host ${id}`);
    return h;
  }

  node(id: string): SlotNode {
    const n = this.host(id).node;
    if (n === null) throw new Error(`host ${id} is down`);
    return n;
  }

  /** Boots (or reboots) a host from its disk. */
  open(id: string): void {
    const h = this.host(id);
    if (h.node !== null) return;
    h.node = new SlotNode({
      nodeId: id,
      deployment: this.deployment,
      targets: this.ids,
      config: this.init.config,
      ...(this.init.committeeSize !== undefined ? { committeeSize: this.init.committeeSize } : {}),
      rng: h.rng.fork(),
      ...(h.disk !== undefined ? { durable: h.disk } : {}),
      // The agent's journal: a host records its first lifecycle event before it runs (here: at the grant).
      deployStarted: h.deployed,
    });
    this.log(`${id} open`);
    this.input(h, (n) => n.start(this.now));
  }

  /** Crash: volatile state and in-flight packets of the host are gone; a deploy is cut short. */
  crash(id: string): void {
    const h = this.host(id);
    if (h.node === null) return;
    h.node = null;
    h.deadline = undefined;
    if (h.deploy !== null) {
      h.deploy = null;
      h.failed = true;
    }
    this.net.dropNode(id);
    this.log(`${id} crash`);
  }

  /** Runs one input against a live host's node, then drains its outputs. */
  input(h: Host, f: (n: SlotNode) => void): void {
    const node = h.node;
    if (node === null) return;
    f(node);
    this.drain(h, node);
  }

  private drain(h: Host, node: SlotNode): void {
    // Drain order: persist (durable before anything leaves), transmits, timeout, events.
    const state = node.pollPersist();
    if (state !== undefined) {
      this.checker.onPersist(h.id, h.disk, state);
      h.disk = state;
    }
    const traffic = this.traffic.get(h.id)!;
    for (let t = node.pollTransmit(); t !== undefined; t = node.pollTransmit()) {
      this.checker.onSend(h.id, h.disk, t.msg);
      const broadcast = t.broadcast === true;
      if (!broadcast) traffic.sent += 1;
      else if (t.msg.type === 'chosen') {
        // As the agent's slot driver: one gossip publish per chosen entry, however many targets it is queued for.
        const key = `${t.msg.slot}:${t.msg.entry}`;
        if (!h.broadcastEntries.has(key)) traffic.broadcastSent += 1;
        h.broadcastEntries.add(key);
      }
      this.net.send(this.now, h.id, t.to, this.codecSample() ? roundTrip(t.msg) : t.msg, broadcast);
    }
    for (let e = node.pollEvent(); e !== undefined; e = node.pollEvent()) this.onEvent(h, node, e);
    h.deadline = node.pollTimeout();
  }

  private onEvent(h: Host, node: SlotNode, e: SlotEvent): void {
    switch (e.type) {
      case 'entry:learned':
        this.checker.onLearned(h.id, e.slot, e.entry, e.value);
        return;
      case 'slot:granted': {
        if (node.stopped()) throw new InvariantViolation(`${h.id} started after it knew of the stop`);
        if (h.succeeded || h.failed) throw new InvariantViolation(`${h.id} granted a second deploy`);
        const [lo, hi] = this.init.deployMs;
        h.deploy = { until: this.now + h.rng.int(lo, hi), succeed: !h.rng.chance(this.init.failPerMille, 1000) };
        h.deployed = true;
        this.log(`${h.id} deploy slot ${e.slot} tenure ${e.tenure}`);
        return;
      }
      case 'slot:revoked':
        h.deploy = null;
        this.log(`${h.id} revoked slot ${e.slot} tenure ${e.tenure}`);
        return;
      case 'deployment:final':
        h.final = e.status;
        return;
      case 'slot:ended':
      case 'command:rejected':
      case 'message:rejected':
        return;
    }
  }

  /** Earliest time anything happens, or undefined when idle. */
  nextEventAt(): number | undefined {
    let t = this.net.nextDeliveryAt();
    for (const h of this.hosts.values()) {
      if (h.node !== null && h.deadline !== undefined && (t === undefined || h.deadline < t)) t = h.deadline;
      if (h.deploy !== null && (t === undefined || h.deploy.until < t)) t = h.deploy.until;
    }
    return t;
  }

  /** Advances to `to` processing deliveries, timeouts and deploy completions due by then. */
  step(to: number): void {
    this.now = Math.max(this.now, to);
    const now = this.now;
    for (const p of this.net.deliverDue(now)) {
      const h = this.host(p.to);
      if (h.node !== null) this.traffic.get(p.to)![p.broadcast ? 'broadcastReceived' : 'received'] += 1;
      this.input(h, (n) => n.handleMessage(now, p.from, p.msg));
    }
    for (const h of this.hosts.values()) {
      if (h.deploy !== null && h.deploy.until <= now) {
        const ok = h.deploy.succeed;
        h.deploy = null;
        if (ok) h.succeeded = true;
        else h.failed = true;
        this.log(`${h.id} deploy ${ok ? 'succeeded' : 'failed'}`);
        this.input(h, (n) => n.reportOutcome(now, ok ? 'succeeded' : 'failed'));
      }
      if (h.node !== null && h.deadline !== undefined && h.deadline <= now) this.input(h, (n) => n.handleTimeout(now));
    }
    this.checkStep();
  }

  checkStep(): void {
    checkUnhealthy([...this.hosts.values()], this.checker.holders(), this.checker.revoked(), this.k);
  }

  /** Runs until `done()` or `untilMs`; returns whether `done()` held. */
  runUntil(done: () => boolean, untilMs: number, extra?: () => number | undefined): boolean {
    for (let guard = 0; ; guard += 1) {
      if (guard > 2_000_000) throw new Error('runaway simulation loop');
      if (done()) return true;
      let t = this.nextEventAt();
      const x = extra?.();
      if (x !== undefined && (t === undefined || x < t)) t = x;
      if (t === undefined || t > untilMs) {
        this.now = Math.max(this.now, untilMs);
        return done();
      }
      this.step(t);
      extra?.();
    }
  }

  allFinal(): boolean {
    for (const h of this.hosts.values()) if (h.node === null || h.final === null) return false;
    return true;
  }

  private codecCount = 0;
  /** Every 4th message goes through encode → decode (all of them with `codec: true`). */
  private codecSample(): boolean {
    if (this.init.codec !== undefined) return this.init.codec;
    this.codecCount += 1;
    return (this.codecCount & 3) === 0;
  }

  stopAt(id: string): void {
    this.stopIssued = true;
    this.log(`stop → ${id}`);
    this.input(this.host(id), (n) => n.stop(this.now));
  }

  log(line: string): void {
    if (this.traceOn) this.trace.push(`${String(this.now).padStart(7)} ${line}`);
  }
}

function roundTrip(msg: SlotMessage): SlotMessage {
  const d = decodeMessage(encodeMessage(msg));
  if (!d.ok) throw new InvariantViolation(`codec rejected an outgoing message: ${d.reason}`);
  return d.value;
}
