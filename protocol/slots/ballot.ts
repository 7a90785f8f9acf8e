import type { Ballot } from './types.ts';

/** Lexicographic order on {round, nodeId}: negative if a < b, 0 if equal, positive if a > b. */
export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.round !== b.round) return a.round - b.round;
  if (a.nodeId === b.nodeId) return 0;
  return a.nodeId < b.nodeId ? -1 : 1;
}

/** a ≥ b, where a missing ballot is lower than any ballot. */
export function ballotAtLeast(a: Ballot, b: Ballot | null): boolean {
  return b === null || compareBallots(a, b) >= 0;
}

export function sameBallot(a: Ballot, b: Ballot): boolean {
  return a.round === b.round && a.nodeId === b.nodeId;
}

export function instanceKey(slot: number, entry: number): string {
  return `${slot}:${entry}`;
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`slots: assertion failed: ${message}`);
}
