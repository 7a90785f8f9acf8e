// Phase-1 skipping (Paxos' "first ballot" optimisation). Ballot round 0 is never produced by
// nextRound(), so it is below every prepared ballot. If exactly one node may ever use round 0 at a
// given (slot, entry), that node can send Accept at round 0 directly: there is no lower ballot
// whose vote phase 1 could have found. The owner is a function of the intent and the chosen entry
// before it, so every node computes the same one:
//   entry 0       the host ranked `slot` in claim order (the one planClaim sends there first);
//   entry 2t+1    the host granted at 2t (only it ends its own tenure);
//   entry 2t+2    the `next` named by a `release` at 2t+1 (the releaser's pick of who goes next).
// That release is fixed in its holder's durable `ending` record before any copy leaves, so `next` may use
// round 0 on the holder's `handoff`, before 2t+1 is chosen (node.ts onHandoff), or even before the release,
// as a `reserve` that acceptors vote only together with it (node.ts reserveAhead, voteReserves); everyone
// else learns the owner from the chosen entry, which is what fastOwner computes.
// Everyone else, and every retry, goes through phase 1 with a round ≥ 1.
import type { SlotValue } from './types.ts';
import type { LearnedView } from './view.ts';

export const FAST_ROUND = 0;

/** The one host that may propose at round 0 for (slot, entry), or undefined (unknown or nobody). */
export function fastOwner(view: LearnedView, order: readonly string[], slot: number, entry: number): string | undefined {
  if (entry === 0) return order[slot];
  const prev = view.known(slot, entry - 1);
  if (prev === undefined) return undefined;
  if (entry % 2 === 1) return prev.kind === 'grant' ? prev.host : undefined;
  return prev.kind === 'release' ? prev.next : undefined;
}

/**
 * Who the releaser of `slot` hands it to: the first pending host in claim order other than itself
 * that is not already the designated next of another free slot. Only latency depends on this pick.
 */
export function pickNext(view: LearnedView, order: readonly string[], self: string, slot: number): string | undefined {
  const reserved = new Set<string>();
  for (const f of view.freeSlots()) {
    if (f.slot === slot || f.nextEntry === 0) continue;
    const end: SlotValue | undefined = view.known(f.slot, f.nextEntry - 1);
    if (end?.kind === 'release' && end.next !== undefined) reserved.add(end.next);
  }
  const progress = view.progressMap();
  return order.find((h) => h !== self && (progress.get(h) ?? 'pending') === 'pending' && !reserved.has(h));
}
