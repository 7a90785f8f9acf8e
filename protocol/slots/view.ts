// Learner: the chosen prefix of every slot's log and what follows from it (slot states, host
// outcomes, the deployment status). Pure bookkeeping; no messages.
import { deploymentStatus, type DeploymentStatus, type RolloutCounts } from '../rollout/outcome.ts';
import { assert } from './ballot.ts';
import type { SlotValue } from './types.ts';

export type SlotState =
  | { readonly kind: 'free'; readonly nextEntry: number }
  | { readonly kind: 'held'; readonly host: string; readonly entry: number }
  | { readonly kind: 'burned' }
  | { readonly kind: 'closed' };

/** Per host: `holding` = granted and not yet ended; succeeded/failed are final. */
export type HostProgress = 'pending' | 'holding' | 'succeeded' | 'failed';

const MAX_OUT_OF_ORDER = 4096;

export function isEndValue(v: SlotValue): boolean {
  return v.kind !== 'grant' && v.kind !== 'close';
}

export class LearnedView {
  readonly log: SlotValue[][];
  private readonly ahead = new Map<string, SlotValue>();
  private progressCache: Map<string, HostProgress> | null = null;
  private statusCache: DeploymentStatus | null = null;

  constructor(
    private readonly targets: readonly string[],
    readonly k: number,
    private readonly m: number,
    log?: readonly (readonly SlotValue[])[],
  ) {
    this.log = Array.from({ length: k }, (_, s) => [...(log?.[s] ?? [])]);
  }

  known(slot: number, entry: number): SlotValue | undefined {
    return this.log[slot]?.[entry];
  }

  /** Whether some chosen value is held past a hole in its slot's log. */
  hasHoles(): boolean {
    return this.ahead.size > 0;
  }

  /** Whether (slot, entry) is known chosen, in the contiguous prefix or held past a hole. */
  heard(slot: number, entry: number): boolean {
    return this.known(slot, entry) !== undefined || this.ahead.has(`${slot}:${entry}`);
  }

  /** Records a chosen value; returns the entries newly appended to the contiguous prefix. */
  learn(slot: number, entry: number, value: SlotValue): { slot: number; entry: number; value: SlotValue }[] {
    const log = this.log[slot];
    assert(log !== undefined, `slot ${slot} out of range`);
    if (entry < log.length) {
      assert(sameValue(log[entry]!, value), `conflicting chosen values at ${slot}:${entry}`);
      return [];
    }
    if (entry > log.length) {
      if (this.ahead.size < MAX_OUT_OF_ORDER) this.ahead.set(`${slot}:${entry}`, value);
      return [];
    }
    const added: { slot: number; entry: number; value: SlotValue }[] = [];
    let next: SlotValue | undefined = value;
    while (next !== undefined) {
      const at = log.length;
      checkShape(log, at, next);
      log.push(next);
      added.push({ slot, entry: at, value: next });
      this.ahead.delete(`${slot}:${at}`);
      next = this.ahead.get(`${slot}:${at + 1}`);
    }
    this.progressCache = null;
    this.statusCache = null;
    return added;
  }

  slotState(slot: number): SlotState {
    const log = this.log[slot];
    assert(log !== undefined, `slot ${slot} out of range`);
    const last = log[log.length - 1];
    if (last === undefined) return { kind: 'free', nextEntry: 0 };
    switch (last.kind) {
      case 'grant':
        return { kind: 'held', host: last.host, entry: log.length - 1 };
      case 'close':
        return { kind: 'closed' };
      case 'burn':
        return { kind: 'burned' };
      case 'release':
      case 'yield':
      case 'revoke':
        return { kind: 'free', nextEntry: log.length };
    }
  }

  freeSlots(): { slot: number; nextEntry: number }[] {
    const out: { slot: number; nextEntry: number }[] = [];
    for (let s = 0; s < this.k; s += 1) {
      const st = this.slotState(s);
      if (st.kind === 'free') out.push({ slot: s, nextEntry: st.nextEntry });
    }
    return out;
  }

  progress(host: string): HostProgress {
    return this.progressMap().get(host) ?? 'pending';
  }

  progressMap(): ReadonlyMap<string, HostProgress> {
    if (this.progressCache !== null) return this.progressCache;
    // Outcomes are terminal (a host with one never claims again); a grant counts only while it
    // is the open tenure of its slot, since a yielded host is pending again.
    const map = new Map<string, HostProgress>();
    for (let s = 0; s < this.k; s += 1) {
      const st = this.slotState(s);
      if (st.kind === 'held') map.set(st.host, 'holding');
    }
    for (const log of this.log) {
      for (const v of log) {
        if (v.kind === 'release') map.set(v.host, 'succeeded');
        else if (v.kind === 'burn' || v.kind === 'revoke') map.set(v.host, 'failed');
      }
    }
    this.progressCache = map;
    return map;
  }

  counts(): RolloutCounts {
    let succeeded = 0;
    let failed = 0;
    for (const p of this.progressMap().values()) {
      if (p === 'succeeded') succeeded += 1;
      else if (p === 'failed') failed += 1;
    }
    let slotsHeld = 0;
    let slotsBurned = 0;
    let slotsClosed = 0;
    for (let s = 0; s < this.k; s += 1) {
      const kind = this.slotState(s).kind;
      if (kind === 'held') slotsHeld += 1;
      else if (kind === 'burned') slotsBurned += 1;
      else if (kind === 'closed') slotsClosed += 1;
    }
    return { n: this.targets.length, m: this.m, succeeded, failed, slotsHeld, slotsBurned, slotsClosed };
  }

  status(): DeploymentStatus {
    return (this.statusCache ??= deploymentStatus(this.counts()));
  }

  /** Per-slot length of the known prefix (sent in Query). */
  knownLengths(): number[] {
    return this.log.map((l) => l.length);
  }
}

export function sameValue(a: SlotValue, b: SlotValue): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'close' || b.kind === 'close') return true;
  if (a.kind === 'release' && b.kind === 'release' && a.next !== b.next) return false;
  return a.host === b.host;
}

/** Shape rules every chosen log obeys; a violation is a protocol bug, so it throws. */
function checkShape(log: readonly SlotValue[], entry: number, value: SlotValue): void {
  const prev = log[entry - 1];
  assert(prev === undefined || (prev.kind !== 'close' && prev.kind !== 'burn'), 'entry after a terminal value');
  if (entry % 2 === 0) {
    assert(value.kind === 'grant' || value.kind === 'close', `entry ${entry} must open a tenure`);
    return;
  }
  assert(isEndValue(value), `entry ${entry} must end a tenure`);
  assert(prev?.kind === 'grant' && 'host' in value && prev.host === value.host, 'end value must name the holder');
}
