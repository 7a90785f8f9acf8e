// Proposer side of single-decree Paxos for one (slot, entry) at a time.
import { assert, compareBallots, sameBallot } from './ballot.ts';
import { Timer, type SlotTiming, type TimerTable } from './timers.ts';
import type { AcceptedValue, Ballot, SlotMessage, SlotRng, SlotValue } from './types.ts';
import type { LearnedView } from './view.ts';
import { FAST_ROUND } from './fast-path.ts';

export interface ProposerHost {
  readonly nodeId: string;
  readonly deployment: string;
  readonly committee: readonly string[];
  readonly quorum: number;
  readonly timing: SlotTiming;
  readonly rng: SlotRng;
  readonly timers: TimerTable;
  readonly view: LearnedView;
  send(to: string, msg: SlotMessage): void;
  /** A fresh round above every round used or seen; recorded durably before any Prepare leaves. */
  nextRound(seen: number): number;
  learnChosen(now: number, slot: number, entry: number, value: SlotValue, broadcast: boolean): void;
  /**
   * A competing proposer is active on (slot, entry). True = give the proposal up (always safe in Paxos):
   * hosts further back in the claim order yield to the one ahead instead of duelling it.
   */
  yieldsTo(slot: number, entry: number): boolean;
}

interface Active {
  readonly slot: number;
  readonly entry: number;
  readonly want: SlotValue;
  ballot: Ballot;
  phase: 'prepare' | 'accept' | 'backoff';
  promises: Map<string, AcceptedValue | null>;
  accepts: Set<string>;
  value: SlotValue | null;
  attempt: number;
  seenRound: number;
  /** Whether any Accept carrying a value left for this entry: only before that may we give up cleanly. */
  acceptSent: boolean;
  /** A reserve waiting for the release ahead of it: no retry timer until the holder hands over (node.ts). */
  parked: boolean;
}

type Reply = Extract<SlotMessage, { type: 'promise' | 'accepted' | 'nack' }>;

export class Proposer {
  private active: Active | null = null;

  constructor(private readonly host: ProposerHost) {}

  busy(): boolean {
    return this.active !== null;
  }

  current(): { slot: number; entry: number; ballot: Ballot; phase: string } | null {
    const a = this.active;
    return a === null ? null : { slot: a.slot, entry: a.entry, ballot: a.ballot, phase: a.phase };
  }

  /**
   * Starts driving (slot, entry) towards `want` (or whatever value Paxos forces). `fast`: this node is
   * the entry's round-0 owner (fast-path.ts) and goes straight to phase 2; any retry runs phase 1.
   * `handedOff`: a grant claimed on a handoff, one entry past the known log (the release is not chosen yet).
   */
  begin(now: number, slot: number, entry: number, want: SlotValue, fast = false, handedOff = false): void {
    assert(this.active === null, 'one proposal at a time');
    const known = this.host.view.log[slot]!.length;
    assert(known === entry || (handedOff && known + 1 === entry), 'propose only the next entry of a slot');
    const ballot: Ballot = { round: FAST_ROUND, nodeId: this.host.nodeId };
    this.active = { slot, entry, want, ballot, phase: 'prepare', promises: new Map(), accepts: new Set(), value: null, attempt: 0, seenRound: 0, acceptSent: false, parked: false };
    if (fast) this.accept(now, this.active);
    else this.prepare(now);
  }

  /**
   * Sends `want` at round 0 as a reserve for (slot, entry) while entry - 1 is still unknown (the tenure
   * ahead is held): acceptors vote it only along with the holder's release naming us. It waits without a
   * retry timer, because the holder may deploy for minutes; `unpark` arms one once the hand-over begins.
   */
  reserve(slot: number, entry: number, want: SlotValue): void {
    assert(this.active === null, 'one proposal at a time');
    assert(this.host.view.log[slot]!.length + 1 === entry, 'reserve only the entry after the held tenure');
    const ballot: Ballot = { round: FAST_ROUND, nodeId: this.host.nodeId };
    this.active = { slot, entry, want, ballot, phase: 'accept', promises: new Map(), accepts: new Set(), value: want, attempt: 0, seenRound: 0, acceptSent: true, parked: true };
    for (const peer of this.host.committee) {
      this.host.send(peer, { type: 'reserve', deployment: this.host.deployment, slot, entry, ballot, value: want });
    }
  }

  /** The reserve waiting on (slot, entry), if that is what this proposer is doing. */
  parkedAt(slot: number, entry: number): boolean {
    const a = this.active;
    return a !== null && a.parked && a.slot === slot && a.entry === entry;
  }

  /** The hand-over behind a reserve began: retry (phase 1) if its votes do not come within retryMs. */
  unpark(now: number): void {
    const a = this.active;
    if (a === null || !a.parked) return;
    a.parked = false;
    this.arm(now, this.retryDelay(a));
  }

  /** Drops a parked reserve whose entry the node has decided on otherwise (node.ts advanceSelf). */
  abandonParked(): void {
    if (this.active?.parked !== true) return;
    this.active = null;
    this.host.timers.stop(Timer.Proposal);
  }

  onTimeout(now: number): void {
    const a = this.active;
    // A parked reserve must not run phase 1 for an entry whose release may never come: unpark arms the retry.
    if (a === null || a.parked) return;
    a.attempt += 1;
    this.prepare(now);
  }

  /** Drops the proposal once its entry is learned, whoever chose it. */
  onLearned(_now: number): void {
    const a = this.active;
    if (a !== null && this.host.view.heard(a.slot, a.entry)) {
      this.active = null;
      this.host.timers.stop(Timer.Proposal);
    }
  }

  onReply(now: number, from: string, msg: Reply): void {
    const a = this.active;
    if (a === null || msg.slot !== a.slot || msg.entry !== a.entry || !sameBallot(msg.ballot, a.ballot)) return;
    if (!this.host.committee.includes(from)) return;
    if (msg.type === 'nack') return a.parked ? undefined : this.onNack(now, a, msg.promised); // acceptors never nack a reserve
    if (msg.type === 'promise' && a.phase === 'prepare') {
      a.promises.set(from, msg.accepted);
      if (a.promises.size >= this.host.quorum) this.accept(now, a);
      return;
    }
    if (msg.type === 'accepted' && a.phase === 'accept') {
      a.accepts.add(from);
      if (a.accepts.size >= this.host.quorum) {
        const value = a.value!;
        this.host.learnChosen(now, a.slot, a.entry, value, true);
      }
    }
  }

  private prepare(now: number): void {
    const a = this.active!;
    a.ballot = { round: this.host.nextRound(a.seenRound), nodeId: this.host.nodeId };
    a.phase = 'prepare';
    a.promises = new Map();
    a.accepts = new Set();
    a.value = null;
    for (const peer of this.host.committee) {
      this.host.send(peer, { type: 'prepare', deployment: this.host.deployment, slot: a.slot, entry: a.entry, ballot: a.ballot });
    }
    this.arm(now, this.retryDelay(a));
  }

  /** Phase 2a: the highest-ballot vote among the promises wins; only if none may we use our own. */
  private accept(now: number, a: Active): void {
    let best: AcceptedValue | null = null;
    for (const v of a.promises.values()) {
      if (v !== null && (best === null || compareBallots(v.ballot, best.ballot) > 0)) best = v;
    }
    a.value = best === null ? a.want : best.value;
    a.phase = 'accept';
    a.acceptSent = true;
    for (const peer of this.host.committee) {
      this.host.send(peer, {
        type: 'accept',
        deployment: this.host.deployment,
        slot: a.slot,
        entry: a.entry,
        ballot: a.ballot,
        value: a.value,
      });
    }
    this.arm(now, this.retryDelay(a));
  }

  /** Doubles per failed attempt: an attempt abandoned before its replies could arrive would never succeed. */
  private retryDelay(a: Active): number {
    const t = this.host.timing;
    return Math.min(t.retryMs * 2 ** Math.min(a.attempt, 8), Math.max(t.retryMaxMs, t.retryMs));
  }

  private onNack(now: number, a: Active, promised: Ballot): void {
    if (a.phase === 'backoff') return;
    // Giving up is safe only while no acceptor can hold our value: otherwise another proposer could
    // still get a grant for us chosen after we stopped waiting for it.
    if (!a.acceptSent && this.host.yieldsTo(a.slot, a.entry)) {
      this.active = null;
      this.host.timers.stop(Timer.Proposal);
      return;
    }
    a.seenRound = Math.max(a.seenRound, promised.round);
    a.phase = 'backoff';
    const t = this.host.timing;
    const cap = Math.min(t.backoffMinMs * 2 ** Math.min(a.attempt, 16), t.backoffMaxMs);
    this.host.timers.set(Timer.Proposal, now + this.host.rng.int(t.backoffMinMs, Math.max(cap, t.backoffMinMs)));
  }

  private arm(now: number, ms: number): void {
    this.host.timers.set(Timer.Proposal, now + ms + this.host.rng.int(0, Math.floor(ms / 4)));
  }
}
