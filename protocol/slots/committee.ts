// Deterministic committee choice and claim order, both derived from the intent alone, so every
// node computes the same answer with no messages.
import { assert } from './ballot.ts';

const DEFAULT_COMMITTEE_SIZE = 5;

/** FNV-1a over UTF-16 code units, 32-bit. Used for ordering only, never for security. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Final avalanche so close inputs spread (murmur3 fmix32).
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Targets sorted by hash(deployment, salt, peer), ties broken by peer id. */
export function rankTargets(deployment: string, salt: string, targets: readonly string[]): string[] {
  const keyed = targets.map((peer) => ({ peer, key: hash32(`${deployment}\u0000${salt}\u0000${peer}`) }));
  keyed.sort((a, b) => a.key - b.key || (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0));
  return keyed.map((k) => k.peer);
}

/**
 * The acceptor committee: every target when there are at most 5, otherwise `size` (default 5, must
 * be odd and ≤ N) targets picked by hash rank. Quorum = ⌊size/2⌋ + 1.
 */
export function chooseCommittee(deployment: string, targets: readonly string[], size?: number): string[] {
  assert(new Set(targets).size === targets.length, 'targets must be distinct');
  if (size === undefined && targets.length <= DEFAULT_COMMITTEE_SIZE) return [...targets];
  const want = size ?? DEFAULT_COMMITTEE_SIZE;
  assert(Number.isSafeInteger(want) && want >= 1 && want % 2 === 1, 'committee size must be odd and ≥ 1');
  assert(want <= targets.length, 'committee size must not exceed the number of targets');
  return rankTargets(deployment, 'committee', targets).slice(0, want);
}

export function quorumSize(committee: readonly string[]): number {
  return Math.floor(committee.length / 2) + 1;
}

/** Claim order: hosts claim in this order; ties impossible (peer ids are distinct). */
export function claimOrder(deployment: string, targets: readonly string[]): string[] {
  return rankTargets(deployment, 'claim', targets);
}
