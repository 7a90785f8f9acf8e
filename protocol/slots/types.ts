// Data types of the quorum slot protocol: ballots, slot-log values, wire messages, durable state.
// Every message and value is a plain discriminated union so codec.ts can validate it field by field.

/** Paxos ballot, ordered by round then nodeId (string order). Unique per proposer. */
export interface Ballot {
  readonly round: number;
  readonly nodeId: string;
}

/**
 * A value chosen for one entry of a slot's log. Entry 2t opens tenure t (`grant` or `close`),
 * entry 2t+1 ends it (`release` | `burn` | `yield` | `revoke`, always naming the grant's host).
 */
export type SlotValue =
  | { readonly kind: 'grant'; readonly host: string } // host may deploy
  | { readonly kind: 'close' } // stop: no tenure ever follows on this slot
  | { readonly kind: 'release'; readonly host: string; readonly next?: string } // host succeeded; slot free; `next` may skip phase 1 on the following grant
  | { readonly kind: 'burn'; readonly host: string } // host failed; slot kept forever
  | { readonly kind: 'yield'; readonly host: string } // host never started (restarted); slot free, host pending
  | { readonly kind: 'revoke'; readonly host: string }; // operator declared host dead; slot free, host failed

export interface AcceptedValue {
  readonly ballot: Ballot;
  readonly value: SlotValue;
}

interface Addressed {
  readonly deployment: string;
  readonly slot: number;
  readonly entry: number;
}

/**
 * Wire messages. Prepare/Accept/Reserve go to the committee, replies back; Chosen and Query go to anyone;
 * Handoff to a release's `next`.
 */
export type SlotMessage =
  | (Addressed & { readonly type: 'prepare'; readonly ballot: Ballot })
  | (Addressed & { readonly type: 'promise'; readonly ballot: Ballot; readonly accepted: AcceptedValue | null })
  | (Addressed & { readonly type: 'accept'; readonly ballot: Ballot; readonly value: SlotValue })
  // `prior`: this acceptor's vote at entry - 1, cast in the same write, sent with a reserve's vote (to its
  // owner, who learns the release ahead of its grant from a quorum of these).
  | (Addressed & { readonly type: 'accepted'; readonly ballot: Ballot; readonly prior?: AcceptedValue })
  | (Addressed & { readonly type: 'nack'; readonly ballot: Ballot; readonly promised: Ballot })
  // `prior`: the value chosen at entry - 1, carried with an even entry when it is a release that named a
  // `next` (its proposer left the gossip of it to the following tenure's opening: one publish per hand-over).
  | (Addressed & { readonly type: 'chosen'; readonly value: SlotValue; readonly prior?: SlotValue })
  // The holder's release at `entry` is durable and names the recipient `next`: it may claim entry + 1 now.
  // `opened` is the sender's grant (chosen at entry - 1) and `prior` the release before it (entry - 2) when
  // that named a next: the gossip that announces them may not have reached `next` yet.
  | (Addressed & { readonly type: 'handoff'; readonly value: SlotValue; readonly opened?: SlotValue; readonly prior?: SlotValue })
  // A round-0 Accept of the grant at `entry`, sent while the tenure before it is still held: the acceptor
  // keeps it (volatile) and votes it only together with the holder's release at entry - 1 naming the sender.
  | (Addressed & { readonly type: 'reserve'; readonly ballot: Ballot; readonly value: SlotValue })
  | { readonly type: 'query'; readonly deployment: string; readonly known: readonly number[] };

export type SlotMessageType = SlotMessage['type'];

/** One acceptor's promise and vote for one (slot, entry). */
export interface AcceptorRecord {
  promised: Ballot | null;
  accepted: AcceptedValue | null;
}

/** What this node is doing with its own tenure. `stale` = carried over a restart. */
export type SelfRecord =
  | { readonly phase: 'idle' }
  // `ahead`: claimed by a reserve, before the entry ahead of it was chosen (docs/quorum.md 5a).
  | { readonly phase: 'claiming'; readonly slot: number; readonly entry: number; readonly stale: boolean; readonly ahead?: boolean }
  | { readonly phase: 'holding'; readonly slot: number; readonly entry: number }
  | { readonly phase: 'ending'; readonly slot: number; readonly entry: number; readonly value: SlotValue }
  | { readonly phase: 'done' };

/**
 * Everything a node must find again after a crash. Emitted whole by `pollPersist()`; the host must
 * make it durable (fsync) before it sends any message drained after it.
 */
export interface DurableState {
  readonly version: 1;
  /** Acceptor records keyed `${slot}:${entry}`. */
  readonly acceptor: Record<string, AcceptorRecord>;
  /** Contiguous learned prefix of each slot's log (index = entry). */
  readonly log: SlotValue[][];
  /** Highest ballot round this node has used or seen; a new ballot always exceeds it. */
  readonly maxRound: number;
  readonly self: SelfRecord;
  readonly stopped: boolean;
  /** Operator force-releases accepted but not yet chosen, as `${slot}:${tenure}:${host}`. */
  readonly revokes: string[];
}

/** Injected randomness (jitter only; never used for safety). Integer API, max inclusive. */
export interface SlotRng {
  int(min: number, max: number): number;
}
