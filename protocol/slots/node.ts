// SlotNode: one host's sans-IO endpoint of the quorum slot protocol (proposer, acceptor, learner).
//
// Contract (after quinn-proto's Connection):
//   Inputs take `now` (monotonic ms, never decreasing): `handleMessage(now, from, msg)`,
//   `handleTimeout(now)` (extra calls are no-ops) and the commands `start`, `claim`,
//   `reportOutcome`, `stop`, `forceRelease`.
//   After every input drain, in this order:
//     1. `pollPersist()`  → DurableState to make durable (fsync) before anything below is acted on;
//     2. `pollTransmit()` → `{ to, msg }` until undefined;
//     3. `pollTimeout()`  → the earliest deadline to call `handleTimeout` at, or undefined;
//     4. `pollEvent()`    → SlotEvent until undefined.
//   While a persist is pending, pollTransmit and pollEvent return undefined: no reply and no
//   "granted" can escape before the state it depends on is durable.
//   The node reads no clock, arms no timer and draws randomness only from the injected rng.
import { resolveConfig, type DeploymentConfig, minimumHealthy } from '../rollout/config.ts';
import { isFinal, slotCount, type DeploymentStatus } from '../rollout/outcome.ts';
import { assert, instanceKey } from './ballot.ts';
import { chooseCommittee, claimOrder, quorumSize } from './committee.ts';
import { Proposer, type ProposerHost } from './proposer.ts';
import { handleAccept, handlePrepare, emptyRecord } from './acceptor.ts';
import { DEFAULT_TIMING, Timer, TimerTable, type SlotTiming } from './timers.ts';
import type { AcceptedValue, Ballot, DurableState, SelfRecord, SlotMessage, SlotRng, SlotValue } from './types.ts';
import { LearnedView } from './view.ts';
import { planWork, revokeSettled, type Work } from './work.ts';
import { FAST_ROUND, fastOwner, pickNext } from './fast-path.ts';

export interface SlotNodeInit {
  readonly nodeId: string;
  readonly deployment: string;
  /** Target peer ids, as named by the signed intent. */
  readonly targets: readonly string[];
  /** Predefined name, custom config, or undefined for OneAtATime. */
  readonly config?: string | DeploymentConfig;
  /** Committee size for fleets above 5 hosts (odd, default 5). */
  readonly committeeSize?: number;
  readonly rng: SlotRng;
  /** State found on disk after a restart, if any. */
  readonly durable?: DurableState;
  /**
   * The host's own outcome if it finished deploying (and journaled it) before the restart but had not
   * yet ended its tenure. Without it a recovered 'holding' tenure is burned: the host is unhealthy.
   */
  readonly completedOutcome?: 'succeeded' | 'failed';
  /**
   * The host's own journal shows it began deploying this deployment before the restart (a lifecycle event
   * was journaled as started). The grant is not written here before the host deploys: the journal's record,
   * written before the first event runs, stands for it. A recovered claim found granted to this host then
   * ends its tenure as a crashed holder's would (burned, or per `completedOutcome`), never with a yield.
   */
  readonly deployStarted?: boolean;
  readonly timing?: Partial<SlotTiming>;
}

export type SlotEvent =
  | { readonly type: 'slot:granted'; readonly slot: number; readonly tenure: number }
  | { readonly type: 'slot:revoked'; readonly slot: number; readonly tenure: number }
  | { readonly type: 'slot:ended'; readonly slot: number; readonly tenure: number; readonly value: SlotValue }
  | { readonly type: 'entry:learned'; readonly slot: number; readonly entry: number; readonly value: SlotValue }
  | { readonly type: 'deployment:final'; readonly status: DeploymentStatus }
  | { readonly type: 'command:rejected'; readonly command: string; readonly reason: string }
  | { readonly type: 'message:rejected'; readonly from: string; readonly reason: string };

export interface Transmit {
  readonly to: string;
  readonly msg: SlotMessage;
  /** Part of a `chosen` sent to every target: a host may carry the whole set as one gossip publish. */
  readonly broadcast?: boolean;
}

const MAX_CHOSEN_PER_QUERY = 32;
/** Reserves an acceptor keeps, and prior-vote tallies a learner keeps, at most (one per slot is the normal case). */
const MAX_RESERVES = 1024;

export class SlotNode implements ProposerHost {
  readonly nodeId: string;
  readonly deployment: string;
  readonly targets: readonly string[];
  readonly committee: readonly string[];
  readonly quorum: number;
  readonly m: number;
  readonly k: number;
  readonly timing: SlotTiming;
  readonly order: readonly string[];
  readonly view: LearnedView;
  readonly rng: SlotRng;
  readonly timers = new TimerTable();
  private durable: DurableState & { self: SelfRecord; stopped: boolean; maxRound: number; revokes: string[] };
  private readonly isAcceptor: boolean;
  private readonly proposer: Proposer;
  /** What the host's journal said at a restart (see SlotNodeInit). */
  private readonly recovered: { readonly deployStarted: boolean; readonly completed?: 'succeeded' | 'failed' };
  private readonly transmits: Transmit[] = [];
  private readonly loopback: SlotMessage[] = [];
  private readonly events: SlotEvent[] = [];
  private dirty = false;
  /** Changes a restart can recompute (learned entries, some own-tenure steps): written with the next persist. */
  private lazyDirty = false;
  private started = false;
  private finalEmitted = false;
  private planned: Work | null = null;
  /** When this node last sent a query (askSenderForGap, sendQueries): its answer arrives past the hole, last entry first. */
  private gapAskedAt = -Infinity;
  /** The Sync timer was pulled in to see whether a pipelined hole filled itself (checkHoleSoon). */
  private holeCheck = false;
  /** Current catch-up period: backs off while nothing is missing, back to syncMs on a gap. */
  private syncIntervalMs: number;
  /**
   * Own handed-off releases by slot, not gossiped yet: the next tenure's opening carries them (`prior`).
   * Timer.Announce gossips them anyway if that opening is not learned within retryMs. Volatile: after a
   * restart a recovered release is learned, and announced, again.
   */
  private readonly deferredReleases = new Map<number, { readonly entry: number; readonly value: SlotValue }>();
  /** Own values chosen at an even entry before the release ahead of them was learned, by slot: gossiped once it is. */
  private readonly awaitingPrior = new Map<number, { readonly entry: number; readonly value: SlotValue }>();
  /**
   * Acceptor side of reserves, keyed `${slot}:${entry}:${from}`: round-0 grants waiting for the holder's release
   * at entry - 1 naming their sender. Volatile: a restart loses them, and the hand-over falls back to the
   * handoff (the reserve's owner retries after retryMs).
   */
  private readonly reserves = new Map<string, Extract<SlotMessage, { type: 'reserve' }>>();
  /** Learner side of reserves: acceptors whose `accepted.prior` reported the same vote, keyed `${slot}:${entry}:${round}:${nodeId}`. */
  private readonly priorVotes = new Map<string, { readonly value: SlotValue; readonly from: Set<string> }>();

  constructor(init: SlotNodeInit) {
    const config = resolveConfig(init.config);
    assert(init.targets.includes(init.nodeId), 'a slot node must be one of the targets');
    this.nodeId = init.nodeId;
    this.deployment = init.deployment;
    this.targets = [...init.targets];
    this.committee = chooseCommittee(init.deployment, init.targets, init.committeeSize);
    this.quorum = quorumSize(this.committee);
    this.isAcceptor = this.committee.includes(init.nodeId);
    this.m = minimumHealthy(config, init.targets.length);
    this.k = slotCount(init.targets.length, this.m);
    this.timing = { ...DEFAULT_TIMING, ...init.timing };
    this.order = claimOrder(init.deployment, init.targets);
    this.rng = init.rng;
    const d = init.durable;
    this.durable = d === undefined ? freshDurable(this.k) : recoverDurable(d, init.nodeId, init.completedOutcome);
    this.recovered = { deployStarted: init.deployStarted === true, ...(init.completedOutcome !== undefined ? { completed: init.completedOutcome } : {}) };
    this.view = new LearnedView(this.targets, this.k, this.m, this.durable.log);
    this.durable = { ...this.durable, log: this.view.log };
    this.proposer = new Proposer(this);
    this.syncIntervalMs = this.timing.syncMs;
    if (d !== undefined && this.durable.self !== d.self) this.dirty = true;
  }

  // ---- getters -------------------------------------------------------------------------------

  status(): DeploymentStatus {
    return this.view.status();
  }
  self(): SelfRecord {
    return this.durable.self;
  }
  stopped(): boolean {
    return this.durable.stopped;
  }
  /** Promised ballot of this node's acceptor for (slot, entry), or null. */
  promisedBallot(slot: number, entry: number): Ballot | null {
    return this.durable.acceptor[instanceKey(slot, entry)]?.promised ?? null;
  }
  acceptorRecords(): Readonly<DurableState['acceptor']> {
    return this.durable.acceptor;
  }
  chosen(slot: number, entry: number): SlotValue | undefined {
    return this.view.known(slot, entry);
  }

  // ---- inputs --------------------------------------------------------------------------------

  /** First input; arms the catch-up timer and plans the first claim. Idempotent. */
  start(now: number): void {
    this.started = true;
    this.afterInput(now);
  }

  handleMessage(now: number, from: string, msg: SlotMessage): void {
    this.started = true;
    this.receive(now, from, msg);
    this.afterInput(now);
  }

  handleTimeout(now: number): void {
    if (!this.started) return;
    if (this.timers.isExpired(Timer.Sync, now)) {
      if (this.holeCheck && !this.view.hasHoles()) this.armSync(now);
      else this.sendQueries(now);
      this.holeCheck = false;
    }
    if (this.timers.isExpired(Timer.Proposal, now)) {
      this.timers.stop(Timer.Proposal);
      this.proposer.onTimeout(now);
    }
    if (this.timers.isExpired(Timer.Claim, now)) {
      this.timers.stop(Timer.Claim);
      const work = this.planned;
      this.planned = null;
      if (work !== null) this.startWork(now, work);
    }
    if (this.timers.isExpired(Timer.Announce, now)) {
      this.timers.stop(Timer.Announce);
      for (const [slot, d] of this.deferredReleases) this.gossip({ type: 'chosen', deployment: this.deployment, slot, entry: d.entry, value: d.value });
      this.deferredReleases.clear();
    }
    this.afterInput(now);
  }

  /** Claim a free slot now, ignoring the rank delay (used by tests and an operator "go"). */
  claim(now: number): void {
    this.started = true;
    const work = planWork(this, true);
    if (work?.kind === 'claim') this.startWork(now, work);
    else this.reject('claim', 'not eligible to claim now');
    this.afterInput(now);
  }

  /** The host finished deploying under its tenure. Failure keeps (burns) the slot forever. */
  reportOutcome(now: number, outcome: 'succeeded' | 'failed'): void {
    this.started = true;
    const self = this.durable.self;
    if (self.phase !== 'holding') {
      this.reject('reportOutcome', `not holding a slot (phase ${self.phase})`);
    } else {
      let value: SlotValue = { kind: 'burn', host: this.nodeId };
      if (outcome === 'succeeded') {
        const next = pickNext(this.view, this.order, this.nodeId, self.slot);
        value = next === undefined ? { kind: 'release', host: this.nodeId } : { kind: 'release', host: this.nodeId, next };
      }
      this.setSelf({ phase: 'ending', slot: self.slot, entry: self.entry + 1, value });
    }
    this.afterInput(now);
  }

  /** Authenticated stop: hosts that have not started never start; free slots get closed. */
  stop(now: number): void {
    this.started = true;
    this.markStopped();
    this.afterInput(now);
  }

  /** Authenticated operator command: end `host`'s tenure on `slot`, declaring the host dead. */
  forceRelease(now: number, slot: number, tenure: number, host: string): void {
    this.started = true;
    if (!Number.isSafeInteger(slot) || slot < 0 || slot >= this.k || !Number.isSafeInteger(tenure) || tenure < 0) {
      this.reject('forceRelease', 'slot or tenure out of range');
    } else if (!this.targets.includes(host)) {
      this.reject('forceRelease', 'host is not a target');
    } else {
      const key = `${slot}:${tenure}:${host}`;
      if (!this.durable.revokes.includes(key)) this.mutate({ revokes: [...this.durable.revokes, key] });
    }
    this.afterInput(now);
  }

  // ---- outputs -------------------------------------------------------------------------------

  pollPersist(): DurableState | undefined {
    if (!this.dirty) return undefined;
    this.dirty = false;
    this.lazyDirty = false;
    return snapshot(this.durable);
  }

  pollTransmit(): Transmit | undefined {
    if (this.dirty) return undefined;
    return this.transmits.shift();
  }

  pollTimeout(): number | undefined {
    return this.timers.next();
  }

  pollEvent(): SlotEvent | undefined {
    if (this.dirty) return undefined;
    return this.events.shift();
  }

  // ---- ProposerHost ----------------------------------------------------------------------------

  send(to: string, msg: SlotMessage): void {
    if (to === this.nodeId) this.loopback.push(msg);
    else this.transmits.push({ to, msg });
  }
  nextRound(seen: number): number {
    const round = Math.max(this.durable.maxRound, seen) + 1;
    this.mutate({ maxRound: round });
    return round;
  }
  learnChosen(now: number, slot: number, entry: number, value: SlotValue, broadcast: boolean): void {
    if (entry > this.view.log[slot]!.length) {
      if (this.pipelinedHole(slot, entry)) this.checkHoleSoon(now);
      else this.onGap(now);
    }
    const added = this.view.learn(slot, entry, value);
    if (broadcast) this.announce(now, slot, entry, value);
    this.proposer.onLearned(now); // a handed-off claim is chosen before the release ahead of it is learned
    if (added.length === 0) return;
    this.lazyDirty = true;
    for (const a of added) {
      this.events.push({ type: 'entry:learned', ...a });
      if (a.value.kind === 'close') this.markStopped();
      // The opening after our handed-off release is chosen: its proposer's gossip carries the release.
      if (this.deferredReleases.get(a.slot)?.entry === a.entry - 1) this.deferredReleases.delete(a.slot);
    }
    for (const [s, w] of this.awaitingPrior) {
      const prior = this.view.known(s, w.entry - 1);
      if (prior === undefined) continue;
      this.awaitingPrior.delete(s);
      this.gossipWithPrior(s, w.entry, w.value, prior);
    }
    this.advanceSelf(now);
  }

  /**
   * Tells every target a value this node proposed was chosen: one gossip publish per hand-over. A release
   * that names a `next` goes point to point to that host (it claims at once) and is gossiped with the
   * opening of the next tenure, whose proposer learns the release first; if that opening is not learned
   * within retryMs, the release is gossiped alone. An opening is gossiped once the entry ahead of it is known.
   */
  private announce(now: number, slot: number, entry: number, value: SlotValue): void {
    if (namesNext(value) && value.next !== this.nodeId) {
      this.send(value.next, { type: 'chosen', deployment: this.deployment, slot, entry, value });
      if (this.view.known(slot, entry + 1) !== undefined) return; // the opening is chosen already
      this.deferredReleases.set(slot, { entry, value });
      if (this.timers.get(Timer.Announce) === undefined) this.timers.set(Timer.Announce, now + this.timing.retryMs);
      return;
    }
    if (entry % 2 === 0 && entry > 0) {
      const prior = this.view.known(slot, entry - 1);
      if (prior === undefined) this.awaitingPrior.set(slot, { entry, value });
      else this.gossipWithPrior(slot, entry, value, prior);
      return;
    }
    this.gossip({ type: 'chosen', deployment: this.deployment, slot, entry, value });
  }

  private gossipWithPrior(slot: number, entry: number, value: SlotValue, prior: SlotValue): void {
    // A release that named a next: its proposer left the gossip of it to us.
    this.gossip({ type: 'chosen', deployment: this.deployment, slot, entry, value, ...(namesNext(prior) ? { prior } : {}) });
  }

  /** A chosen value to every target; the host sends the set as one gossip publish. */
  private gossip(msg: SlotMessage): void {
    for (const peer of this.targets) {
      if (peer !== this.nodeId) this.transmits.push({ to: peer, msg, broadcast: true });
    }
  }

  yieldsTo(slot: number, entry: number): boolean {
    const self = this.durable.self;
    // A claim carried over a restart may have sent Accepts before the crash: it must run to the end.
    if (self.phase !== 'claiming' || self.stale || self.slot !== slot || self.entry !== entry || this.durable.stopped) return false;
    // The host first in claim order among the pending ones keeps trying; the others step back and re-plan
    // with their rank delay. The proposer asks only before it sent any Accept, so no grant for us can be
    // chosen after we step back.
    const first = this.order.find((h) => this.view.progress(h) === 'pending');
    if (first === this.nodeId) return false;
    this.setSelf({ phase: 'idle' });
    return true;
  }

  // ---- internals -----------------------------------------------------------------------------

  private receive(now: number, from: string, msg: SlotMessage): void {
    if (msg.deployment !== this.deployment) {
      this.events.push({ type: 'message:rejected', from, reason: 'wrong deployment' });
      return;
    }
    switch (msg.type) {
      case 'prepare':
      case 'accept':
        this.onAcceptorMessage(from, msg);
        return;
      case 'reserve':
        this.onReserve(from, msg);
        return;
      case 'accepted':
        // The release ahead of a reserved grant first, so the grant is not learned past a hole.
        if (msg.prior !== undefined) this.countPriorVote(now, from, msg.slot, msg.entry - 1, msg.prior);
        this.proposer.onReply(now, from, msg);
        return;
      case 'promise':
      case 'nack':
        this.proposer.onReply(now, from, msg);
        return;
      case 'chosen':
        if (msg.slot >= this.k) {
          this.events.push({ type: 'message:rejected', from, reason: 'slot out of range' });
          return;
        }
        {
          const first = msg.prior !== undefined ? msg.entry - 1 : msg.entry;
          if (first > this.view.log[msg.slot]!.length && !this.pipelinedHole(msg.slot, first)) this.askSenderForGap(now, from);
          if (msg.prior !== undefined) this.learnChosen(now, msg.slot, msg.entry - 1, msg.prior, false);
          this.learnChosen(now, msg.slot, msg.entry, msg.value, false);
        }
        return;
      case 'handoff':
        this.onHandoff(now, from, msg);
        return;
      case 'query':
        this.answerQuery(from, msg.known);
        return;
    }
  }

  /** What every message to an acceptor must pass: this node votes on the slot, and the ballot is the sender's own. */
  private refusedAsAcceptor(from: string, msg: { readonly slot: number; readonly ballot: Ballot }): boolean {
    let reason: string | undefined;
    if (!this.isAcceptor || msg.slot >= this.k) reason = 'not an acceptor for this slot';
    else if (msg.ballot.nodeId !== from) reason = `ballot of ${msg.ballot.nodeId} sent by another node`;
    if (reason !== undefined) this.events.push({ type: 'message:rejected', from, reason });
    return reason !== undefined;
  }

  private onAcceptorMessage(from: string, msg: Extract<SlotMessage, { type: 'prepare' | 'accept' }>): void {
    if (this.refusedAsAcceptor(from, msg)) return;
    if (msg.ballot.round === FAST_ROUND) {
      // Round 0 is phase 2 only, and only for the entry's owner; an owner not known yet (the previous
      // entry not learned) is trusted, as senders are authenticated and follow the protocol.
      const owner = fastOwner(this.view, this.order, msg.slot, msg.entry);
      if (msg.type === 'prepare' || (owner !== undefined && owner !== from)) {
        this.events.push({ type: 'message:rejected', from, reason: `round 0 ${msg.type} for ${msg.slot}:${msg.entry} from a node that does not own it` });
        return;
      }
    }
    const base = { deployment: this.deployment, slot: msg.slot, entry: msg.entry };
    const known = this.view.known(msg.slot, msg.entry);
    if (known !== undefined) {
      this.send(from, { type: 'chosen', ...base, value: known });
      return;
    }
    const key = instanceKey(msg.slot, msg.entry);
    const rec = { ...(this.durable.acceptor[key] ?? emptyRecord()) };
    const reply = msg.type === 'prepare' ? handlePrepare(rec, msg.ballot) : handleAccept(rec, msg.ballot, msg.value);
    if (!reply.ok) {
      this.send(from, { type: 'nack', ...base, ballot: msg.ballot, promised: reply.promised });
      return;
    }
    if (reply.changed) this.mutate({ acceptor: { ...this.durable.acceptor, [key]: rec } });
    if (msg.type === 'prepare') this.send(from, { type: 'promise', ...base, ballot: msg.ballot, accepted: reply.accepted });
    else this.send(from, { type: 'accepted', ...base, ballot: msg.ballot });
  }

  /**
   * A reserve (docs/quorum.md 5a): the next host's round-0 grant, sent while the tenure ahead of it is held.
   * Kept until this acceptor votes for (or learns) the holder's release at entry - 1 naming the sender, then
   * voted in the same write (voteReserves, run after every input).
   */
  private onReserve(from: string, msg: Extract<SlotMessage, { type: 'reserve' }>): void {
    if (this.refusedAsAcceptor(from, msg)) return;
    const known = this.view.known(msg.slot, msg.entry);
    if (known !== undefined) {
      this.send(from, { type: 'chosen', deployment: this.deployment, slot: msg.slot, entry: msg.entry, value: known });
      return;
    }
    if (this.view.log[msg.slot]!.length >= msg.entry) {
      // The entry ahead is chosen and is no release naming the sender: nothing to reserve.
      const owner = fastOwner(this.view, this.order, msg.slot, msg.entry);
      if (owner !== from) {
        this.events.push({ type: 'message:rejected', from, reason: `reserve for ${msg.slot}:${msg.entry} from a node that does not own it` });
        return;
      }
    }
    if (this.reserves.size >= MAX_RESERVES) return; // bounded; the sender falls back to the handoff
    this.reserves.set(`${msg.slot}:${msg.entry}:${from}`, msg); // voted in settle() once its release is here
  }

  /**
   * Votes every kept reserve whose release has arrived. Safe for the same reason as the pipelined handoff: an
   * end value is fixed in its holder's durable `ending` record before any Accept of it leaves, so once a release
   * naming the sender exists at entry - 1, that entry can only be chosen as that release or a revoke, and both
   * leave the slot free. A reserve whose entry ahead turned out otherwise is dropped.
   */
  private voteReserves(): void {
    for (const [key, r] of this.reserves) {
      if (this.view.known(r.slot, r.entry) !== undefined || this.view.log[r.slot]!.length > r.entry) {
        this.reserves.delete(key);
        continue;
      }
      const ahead = this.view.known(r.slot, r.entry - 1);
      const vote = this.durable.acceptor[instanceKey(r.slot, r.entry - 1)]?.accepted ?? null;
      const basis = ahead ?? vote?.value;
      if (basis === undefined) continue; // the holder has not released yet
      this.reserves.delete(key);
      if (basis.kind !== 'release' || basis.next !== r.ballot.nodeId) continue;
      const at = instanceKey(r.slot, r.entry);
      const rec = { ...(this.durable.acceptor[at] ?? emptyRecord()) };
      const reply = handleAccept(rec, r.ballot, r.value);
      if (!reply.ok) continue; // a higher ballot runs there: the reserve's owner retries after the handoff
      if (reply.changed) this.mutate({ acceptor: { ...this.durable.acceptor, [at]: rec } });
      const prior = ahead === undefined && vote !== null ? { prior: vote } : {};
      this.send(r.ballot.nodeId, { type: 'accepted', deployment: this.deployment, slot: r.slot, entry: r.entry, ballot: r.ballot, ...prior });
    }
  }

  /** A quorum of acceptors reporting the same vote (same ballot) at an entry: that value is chosen there. */
  private countPriorVote(now: number, from: string, slot: number, entry: number, vote: AcceptedValue): void {
    if (!this.committee.includes(from) || slot >= this.k || this.view.known(slot, entry) !== undefined) return;
    const key = `${slot}:${entry}:${vote.ballot.round}:${vote.ballot.nodeId}`;
    let tally = this.priorVotes.get(key);
    if (tally === undefined) {
      if (this.priorVotes.size >= MAX_RESERVES) this.priorVotes.clear();
      this.priorVotes.set(key, (tally = { value: vote.value, from: new Set() }));
    }
    tally.from.add(from);
    if (tally.from.size < this.quorum) return;
    for (const k of this.priorVotes.keys()) if (k.startsWith(`${slot}:${entry}:`)) this.priorVotes.delete(k);
    this.learnChosen(now, slot, entry, tally.value, false);
  }

  /**
   * The holder of `slot` made its release durable and names us next: claim the following entry now at round 0,
   * without waiting for the release to be chosen (the pipelined hand-over, docs/quorum.md 5a). Safe: an end value
   * is fixed in the holder's durable `ending` record before any copy of it leaves, so the entry before ours can
   * only be that release or an operator's revoke, and both leave the slot free. The grant still takes effect
   * only once both entries are learned in order, so nobody deploys before the release is chosen.
   */
  private onHandoff(now: number, from: string, msg: Extract<SlotMessage, { type: 'handoff' }>): void {
    const v = msg.value;
    if (msg.slot >= this.k || v.kind !== 'release' || v.host !== from || v.next !== this.nodeId) {
      this.events.push({ type: 'message:rejected', from, reason: 'handoff not from the releasing holder to its next' });
      return;
    }
    // The sender's own grant and the release before it, which their (delayed) gossip may not have brought yet.
    if (msg.prior !== undefined) this.learnChosen(now, msg.slot, msg.entry - 2, msg.prior, false);
    if (msg.opened !== undefined) this.learnChosen(now, msg.slot, msg.entry - 1, msg.opened, false);
    const log = this.view.log[msg.slot]!;
    if (log.length !== msg.entry) {
      // Learned already (the ordinary fast path takes over), or we are behind on this slot: catch up.
      if (log.length < msg.entry) this.askSenderForGap(now, from);
      return;
    }
    const grant = log[msg.entry - 1];
    if (grant?.kind !== 'grant' || grant.host !== from) {
      this.events.push({ type: 'message:rejected', from, reason: `handoff for ${msg.slot}:${msg.entry} from a host that does not hold it` });
      return;
    }
    if (this.proposer.parkedAt(msg.slot, msg.entry + 1)) {
      // Our reserve is already with the acceptors and votes with this release: only arm the retry.
      this.proposer.unpark(now);
      return;
    }
    if (this.durable.self.phase !== 'idle' || this.durable.stopped || this.proposer.busy()) return;
    if (this.view.progress(this.nodeId) !== 'pending' || isFinal(this.view.status())) return;
    this.planned = null;
    this.timers.stop(Timer.Claim);
    this.setSelf({ phase: 'claiming', slot: msg.slot, entry: msg.entry + 1, stale: false });
    this.proposer.begin(now, msg.slot, msg.entry + 1, { kind: 'grant', host: this.nodeId }, true, true);
  }

  /**
   * A grant learned one entry past the log, the entry before it an end value: with pipelined hand-overs the
   * release and the next grant are chosen almost together, and their broadcasts can arrive in either order.
   * Not by itself a sign of a lost message: no query at once, only a check after retryMs (checkHoleSoon).
   */
  private pipelinedHole(slot: number, entry: number): boolean {
    return entry === this.view.log[slot]!.length + 1 && entry % 2 === 0;
  }

  /**
   * The entries the asker lacks, sent last-first: the first of them is the one it needs before it can use any
   * other, and a burst into a full queue that drops packets (a bounded transport) loses its early packets most.
   * Sent first, that entry survived a 16-entry answer into a 4-packet queue about 3 % of the time, and a host
   * far behind never caught up (simulator seed 872954916317); sent last, it cannot be pushed out by the rest.
   */
  private answerQuery(from: string, known: readonly number[]): void {
    const answer: SlotMessage[] = [];
    for (let s = 0; s < this.k && answer.length < MAX_CHOSEN_PER_QUERY; s += 1) {
      const log = this.view.log[s]!;
      for (let e = known[s] ?? 0; e < log.length && answer.length < MAX_CHOSEN_PER_QUERY; e += 1) {
        answer.push({ type: 'chosen', deployment: this.deployment, slot: s, entry: e, value: log[e]! });
      }
    }
    for (let i = answer.length - 1; i >= 0; i -= 1) this.send(from, answer[i]!);
  }

  /**
   * A chosen value arrived past a hole in our log: its sender knows the log that far, so ask it at once (at
   * most once per retryMs). Waiting for the catch-up timer cost a hand-over up to syncMs: a host named `next`
   * that had missed the slot's first grant could not read the release and claimed only after its timer.
   */
  private askSenderForGap(now: number, from: string): void {
    if (from === this.nodeId || now < this.gapAskedAt + this.timing.retryMs) return;
    this.gapAskedAt = now;
    this.send(from, { type: 'query', deployment: this.deployment, known: this.view.knownLengths() });
  }

  /** A pipelined hole (see pipelinedHole): the release is normally in flight; ask only if it is still missing after retryMs. */
  private checkHoleSoon(now: number): void {
    const at = this.timers.get(Timer.Sync);
    if (!this.started || (at !== undefined && at <= now + this.timing.retryMs)) return;
    this.timers.set(Timer.Sync, now + this.timing.retryMs);
    this.holeCheck = true;
  }

  /** Learned an entry past a hole in a log: some chosen value did not reach us; catch up soon. */
  private onGap(now: number): void {
    this.holeCheck = false;
    this.syncIntervalMs = this.timing.syncMs;
    const at = this.timers.get(Timer.Sync);
    if (this.started && (at === undefined || at > now + this.timing.syncMs)) this.timers.set(Timer.Sync, now + this.rng.int(0, this.timing.syncMs));
  }

  /** The next catch-up round: the current period plus jitter. */
  private armSync(now: number): void {
    this.timers.set(Timer.Sync, now + this.syncIntervalMs + this.rng.int(0, this.timing.syncMs));
  }

  private sendQueries(now: number): void {
    this.syncIntervalMs = Math.min(this.syncIntervalMs * 2, Math.max(this.timing.syncMaxMs, this.timing.syncMs));
    this.armSync(now);
    const msg: SlotMessage = { type: 'query', deployment: this.deployment, known: this.view.knownLengths() };
    this.gapAskedAt = now; // the answers start past the hole: no need to ask their senders again
    // One of the asked is a holder of a slot this node waits on, if any: the holder proposes the tenure's end and
    // learns it first. Random peers alone may not know it for minutes: the holder's broadcast is the only push,
    // a host down at that moment misses it, and a host that learned it lazily and restarted forgets it, while
    // hosts that are final ask nobody (simulator seed 143349561144: a host stayed behind for 120 s, asking
    // only peers as far behind as itself).
    const asked: string[] = [];
    const holders = this.otherHolders();
    if (holders.length > 0 && this.timing.queryFanout > 0) asked.push(holders[this.rng.int(0, holders.length - 1)]!);
    const peers = this.targets.filter((p) => p !== this.nodeId && !asked.includes(p));
    while (asked.length < this.timing.queryFanout && peers.length > 0) asked.push(peers.splice(this.rng.int(0, peers.length - 1), 1)[0]!);
    for (const to of asked) this.send(to, msg);
  }

  /** The targets other than this node that hold a slot in this node's view. */
  private otherHolders(): string[] {
    const holders = new Set<string>();
    for (let s = 0; s < this.k; s += 1) {
      const state = this.view.slotState(s);
      if (state.kind === 'held' && state.host !== this.nodeId && this.targets.includes(state.host)) holders.add(state.host);
    }
    return [...holders];
  }

  /**
   * Runs loopback messages, moves the own tenure forward, plans the next proposal, emits final; again
   * while planning sent this node messages (its own vote on its own proposal goes in the same persist).
   */
  private afterInput(now: number): void {
    for (let round = 0; round === 0 || this.loopback.length > 0; round += 1) {
      assert(round < 100, 'loopback runaway');
      this.settle(now);
    }
  }

  private settle(now: number): void {
    for (let guard = 0; this.loopback.length > 0; guard += 1) {
      assert(guard < 10_000, 'loopback runaway');
      this.receive(now, this.nodeId, this.loopback.shift()!);
    }
    this.advanceSelf(now);
    if (this.reserves.size > 0) this.voteReserves(); // the release may have been learned, not voted, here
    const revokes = this.durable.revokes.filter((key) => !revokeSettled(this.view, key));
    if (revokes.length !== this.durable.revokes.length) this.mutate({ revokes });
    const status = this.view.status();
    if (isFinal(status)) {
      this.timers.stop(Timer.Sync);
      this.timers.stop(Timer.Claim);
      if (!this.finalEmitted) {
        this.finalEmitted = true;
        if (this.lazyDirty) this.dirty = true; // the final logs go to disk before the final event leaves
        this.events.push({ type: 'deployment:final', status });
      }
    } else if (this.started && this.timers.get(Timer.Sync) === undefined) {
      this.timers.set(Timer.Sync, now + this.timing.syncMs + this.rng.int(0, this.timing.syncMs));
    }
    if (!this.proposer.busy()) this.plan(now);
  }

  private plan(now: number): void {
    const work = planWork(this, false);
    if (work === null) {
      this.planned = null;
      this.timers.stop(Timer.Claim);
      this.reserveAhead();
      return;
    }
    if (work.delayMs === 0) {
      this.planned = null;
      this.timers.stop(Timer.Claim);
      this.startWork(now, work);
      return;
    }
    if (this.planned !== null && sameWork(this.planned, work) && this.timers.get(Timer.Claim) !== undefined) return;
    this.planned = work;
    this.timers.set(Timer.Claim, now + work.delayMs);
  }

  /**
   * With one slot, the host the holder will hand it to is known while the holder deploys: the first pending
   * host in claim order (pickNext). That host claims ahead: it writes its claim and sends its round-0 grant for
   * the next tenure as a reserve, which acceptors vote together with the holder's release. A hand-over then
   * takes two link delays (release Accept, then Accepted to the next host with the release's vote) and no
   * durable write by the next host. With several slots a host waiting on one could not take another's
   * handoff, so they claim as before.
   */
  private reserveAhead(): void {
    if (this.k !== 1 || !this.started || this.durable.stopped || this.durable.self.phase !== 'idle' || this.proposer.busy()) return;
    if (this.view.progress(this.nodeId) !== 'pending' || isFinal(this.view.status())) return;
    const held = this.view.slotState(0);
    if (held.kind !== 'held' || held.host === this.nodeId) return;
    if (pickNext(this.view, this.order, held.host, 0) !== this.nodeId) return;
    const entry = held.entry + 2;
    this.setSelf({ phase: 'claiming', slot: 0, entry, stale: false, ahead: true });
    this.proposer.reserve(0, entry, { kind: 'grant', host: this.nodeId });
  }

  private startWork(now: number, work: Work): void {
    if (this.proposer.busy()) return;
    if (this.view.log[work.slot]!.length !== work.entry) return; // stale plan: the view moved on
    if (work.kind === 'claim') {
      if (this.durable.self.phase !== 'idle') return;
      this.setSelf({ phase: 'claiming', slot: work.slot, entry: work.entry, stale: false });
    }
    const v = work.value;
    // Leaves after the `ending` record is durable (transmits wait for the persist), and ahead of the Accepts:
    // the next host's claim then runs alongside the release's round trip.
    if (work.kind === 'end' && v.kind === 'release' && v.next !== undefined) {
      const opened = this.view.known(work.slot, work.entry - 1);
      const prior = work.entry >= 3 ? this.view.known(work.slot, work.entry - 2) : undefined;
      this.send(v.next, {
        type: 'handoff', deployment: this.deployment, slot: work.slot, entry: work.entry, value: v,
        ...(opened?.kind === 'grant' && opened.host === this.nodeId ? { opened, ...(prior !== undefined && namesNext(prior) ? { prior } : {}) } : {}),
      });
    }
    this.proposer.begin(now, work.slot, work.entry, work.value, work.fast);
  }

  /** Moves the own tenure record forward from what has been learned. */
  private advanceSelf(now: number): void {
    const self = this.durable.self;
    if (self.phase === 'claiming') {
      const v = this.view.known(self.slot, self.entry);
      if (v === undefined) return this.settleAheadClaim(now, self);
      // Lazy: a restart with the claim still on disk finds the entry chosen for someone else and idles.
      if (v.kind !== 'grant' || v.host !== this.nodeId) return this.setSelfLazily({ phase: 'idle' });
      const tenure = self.entry >> 1;
      if (self.stale && (this.recovered.deployStarted || this.recovered.completed !== undefined)) {
        // Granted, deployed (the journal says so) and restarted before the holding state reached disk: end
        // the tenure as a crashed holder does. No end value was sent for it: 'ending' is written first.
        const kind = this.recovered.completed === 'succeeded' ? 'release' : 'burn';
        return this.setSelf({ phase: 'ending', slot: self.slot, entry: self.entry + 1, value: { kind, host: this.nodeId } });
      }
      if (self.stale || this.durable.stopped) {
        // Claimed before a restart or a stop: never deploy under this tenure, give it back.
        return this.setSelf({ phase: 'ending', slot: self.slot, entry: self.entry + 1, value: { kind: 'yield', host: this.nodeId } });
      }
      // Lazy: the host journals its first lifecycle event before it runs, and a restart told so (deployStarted)
      // treats the claim left on disk as this tenure. One fsync less on every hand-over.
      this.setSelfLazily({ phase: 'holding', slot: self.slot, entry: self.entry });
      this.events.push({ type: 'slot:granted', slot: self.slot, tenure });
      return;
    }
    if (self.phase === 'holding' || self.phase === 'ending') {
      const endEntry = self.phase === 'holding' ? self.entry + 1 : self.entry;
      const v = this.view.known(self.slot, endEntry);
      if (v === undefined) return;
      const tenure = endEntry >> 1;
      if (v.kind === 'revoke') this.events.push({ type: 'slot:revoked', slot: self.slot, tenure });
      this.events.push({ type: 'slot:ended', slot: self.slot, tenure, value: v });
      const next: SelfRecord = v.kind === 'yield' ? { phase: 'idle' } : { phase: 'done' };
      // A holder learning its tenure's end must persist before anything else (it was deploying); an
      // ending host need not: after a restart it proposes the same end value again and learns it.
      if (self.phase === 'ending') this.setSelfLazily(next);
      else this.setSelf(next);
      return;
    }
    if (self.phase === 'idle' && this.view.progress(this.nodeId) === 'failed') this.setSelf({ phase: 'done' });
  }

  /**
   * A claim made ahead (reserveAhead) once the entry before it is learned. A release naming us: the reserve
   * votes with it, and the retry timer runs in case it does not. A revoke: a reserve may have been voted with the
   * revoked holder's release, so the claim runs on with phase 1, like any claim of a free slot. Anything
   * else (burn, yield, a release naming another host) means no acceptor ever voted the reserve: back to idle.
   */
  private settleAheadClaim(now: number, self: Extract<SelfRecord, { phase: 'claiming' }>): void {
    if (self.ahead !== true) return;
    const ahead = this.view.known(self.slot, self.entry - 1);
    if (ahead === undefined || this.view.log[self.slot]!.length !== self.entry) return;
    if (ahead.kind === 'release' && ahead.next === this.nodeId) return this.proposer.unpark(now); // in case no handoff came
    this.proposer.abandonParked();
    if (ahead.kind === 'revoke') return this.setSelf({ phase: 'claiming', slot: self.slot, entry: self.entry, stale: self.stale });
    this.setSelf({ phase: 'idle' });
  }

  private markStopped(): void {
    if (!this.durable.stopped) this.mutate({ stopped: true });
  }

  private setSelf(self: SelfRecord): void {
    this.mutate({ self });
  }

  /** A change a restart can recompute from what it learns again: written with the next persist. */
  private setSelfLazily(self: SelfRecord): void {
    this.durable = { ...this.durable, self };
    this.lazyDirty = true;
  }

  /** Every durable change goes through here so the next drain starts with a persist. */
  mutate(patch: Partial<SlotNode['durable']>): void {
    this.durable = { ...this.durable, ...patch };
    this.dirty = true;
  }

  revokes(): readonly string[] {
    return this.durable.revokes;
  }

  private reject(command: string, reason: string): void {
    this.events.push({ type: 'command:rejected', command, reason });
  }
}

function sameWork(a: Work, b: Work): boolean {
  return a.kind === b.kind && a.slot === b.slot && a.entry === b.entry;
}

function freshDurable(k: number): SlotNode['durable'] {
  return {
    version: 1,
    acceptor: {},
    log: Array.from({ length: k }, () => []),
    maxRound: 0,
    self: { phase: 'idle' },
    stopped: false,
    revokes: [],
  };
}

/** After a crash: a claim in flight becomes stale (yield if granted); an interrupted deploy fails. */
function recoverDurable(d: DurableState, nodeId: string, completed?: 'succeeded' | 'failed'): SlotNode['durable'] {
  const self = d.self;
  let next: SelfRecord = self;
  if (self.phase === 'claiming' && !self.stale) next = { ...self, stale: true };
  if (self.phase === 'holding') {
    const kind = completed === 'succeeded' ? 'release' : 'burn';
    next = { phase: 'ending', slot: self.slot, entry: self.entry + 1, value: { kind, host: nodeId } };
  }
  return { ...d, revokes: [...d.revokes], self: next };
}

/** Acceptor records, values and ballots are never mutated in place, so only the logs need copying. */
function snapshot(d: DurableState): DurableState {
  return { ...d, log: d.log.map((l) => [...l]) };
}

/** A release that hands its slot to a named host (the pipelined hand-over, 5a in docs/quorum.md). */
function namesNext(v: SlotValue): v is Extract<SlotValue, { kind: 'release' }> & { readonly next: string } {
  return v.kind === 'release' && v.next !== undefined;
}
