// What a node should propose next, and when. Decides liveness and fairness only: every proposal
// is safe whatever this returns, because Paxos decides each entry.
import { isFinal } from '../rollout/outcome.ts';
import type { SlotTiming } from './timers.ts';
import type { SelfRecord, SlotRng, SlotValue } from './types.ts';
import type { LearnedView } from './view.ts';
import { fastOwner } from './fast-path.ts';

export interface Work {
  readonly kind: 'end' | 'continue' | 'revoke' | 'close' | 'claim';
  readonly slot: number;
  readonly entry: number;
  readonly value: SlotValue;
  readonly delayMs: number;
  /** Skip phase 1 (round 0): only for the entry's fast owner, on a value it can never change. */
  readonly fast: boolean;
}

export interface PlanInput {
  readonly nodeId: string;
  readonly view: LearnedView;
  readonly order: readonly string[];
  readonly rng: SlotRng;
  readonly timing: SlotTiming;
  self(): SelfRecord;
  stopped(): boolean;
  revokes(): readonly string[];
}

/**
 * Priority: finish the own tenure, finish the own claim, operator revokes, closing free slots
 * after a stop, then a new claim in rank order. `immediate` drops the rank delay.
 */
export function planWork(n: PlanInput, immediate: boolean): Work | null {
  const self = n.self();
  const view = n.view;
  if (self.phase === 'ending') {
    // The end value is fixed in the durable self record, so every round-0 Accept carries the same one.
    return view.log[self.slot]!.length === self.entry ? { kind: 'end', slot: self.slot, entry: self.entry, value: self.value, delayMs: 0, fast: true } : null;
  }
  if (self.phase === 'claiming') {
    if (view.log[self.slot]!.length !== self.entry) return null;
    const value: SlotValue = n.stopped() ? { kind: 'close' } : { kind: 'grant', host: n.nodeId };
    return { kind: 'continue', slot: self.slot, entry: self.entry, value, delayMs: 0, fast: false };
  }
  const revoke = planRevoke(n);
  if (revoke !== null) return revoke;
  if (isFinal(view.status())) return null;
  const free = view.freeSlots();
  if (free.length === 0) return null;
  if (n.stopped()) {
    // Everyone who knows the stop closes free slots; jitter spreads the duels.
    const f = free[Math.max(n.order.indexOf(n.nodeId), 0) % free.length]!;
    const delayMs = n.rng.int(1, n.timing.claimJitterMs + 1);
    return { kind: 'close', slot: f.slot, entry: f.nextEntry, value: { kind: 'close' }, delayMs, fast: false };
  }
  if (self.phase !== 'idle' || view.progress(n.nodeId) !== 'pending') return null;
  return planClaim(n, free, immediate);
}

/**
 * Claim order: the pending hosts in hash rank order. The p-th pending host aims at free slot
 * p mod F (F free slots), so the first F contend for different slots; hosts further back wait
 * one claimStep per position beyond F, and step in only if those ahead do not (dead or cut off).
 */
function planClaim(n: PlanInput, free: readonly { slot: number; nextEntry: number }[], immediate: boolean): Work {
  // A slot handed to us (or ours by rank at entry 0) is claimed at once, skipping phase 1.
  const mine = free.find((f) => fastOwner(n.view, n.order, f.slot, f.nextEntry) === n.nodeId);
  if (mine !== undefined) {
    return { kind: 'claim', slot: mine.slot, entry: mine.nextEntry, value: { kind: 'grant', host: n.nodeId }, delayMs: 0, fast: true };
  }
  let p = 0;
  const progress = n.view.progressMap();
  for (const host of n.order) {
    if (host === n.nodeId) break;
    if ((progress.get(host) ?? 'pending') === 'pending') p += 1;
  }
  const f = free[immediate ? 0 : p % free.length]!;
  const jitter = n.rng.int(1, n.timing.claimJitterMs + 1);
  const wait = immediate || p < free.length ? 0 : (p - free.length + 1) * n.timing.claimStepMs;
  return { kind: 'claim', slot: f.slot, entry: f.nextEntry, value: { kind: 'grant', host: n.nodeId }, delayMs: wait + jitter, fast: false };
}

function planRevoke(n: PlanInput): Work | null {
  for (const key of n.revokes()) {
    const r = parseRevoke(key);
    const log = n.view.log[r.slot]!;
    const entry = 2 * r.tenure + 1;
    const grant = log[entry - 1];
    if (log.length === entry && grant?.kind === 'grant' && grant.host === r.host) {
      return { kind: 'revoke', slot: r.slot, entry, value: { kind: 'revoke', host: r.host }, delayMs: 0, fast: false };
    }
  }
  return null;
}

export function parseRevoke(key: string): { slot: number; tenure: number; host: string } {
  const first = key.indexOf(':');
  const second = key.indexOf(':', first + 1);
  return { slot: Number(key.slice(0, first)), tenure: Number(key.slice(first + 1, second)), host: key.slice(second + 1) };
}

/** A revoke is settled once its end entry is known, or its grant is known not to be that host's. */
export function revokeSettled(view: LearnedView, key: string): boolean {
  const r = parseRevoke(key);
  const log = view.log[r.slot]!;
  const entry = 2 * r.tenure + 1;
  if (log.length > entry) return true;
  const grant = log[entry - 1];
  return grant !== undefined && (grant.kind !== 'grant' || grant.host !== r.host);
}
