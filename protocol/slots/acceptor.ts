// Acceptor rules of single-decree Paxos for one (slot, entry). Pure: the caller owns the record,
// persists it when `changed` is true, and only then sends the reply.
import { ballotAtLeast, sameBallot } from './ballot.ts';
import type { AcceptedValue, AcceptorRecord, Ballot, SlotValue } from './types.ts';

export type AcceptorReply =
  | { readonly ok: true; readonly changed: boolean; readonly accepted: AcceptedValue | null }
  | { readonly ok: false; readonly promised: Ballot };

export function emptyRecord(): AcceptorRecord {
  return { promised: null, accepted: null };
}

/** Phase 1b: promise never to accept below `ballot`, report the highest vote so far. */
export function handlePrepare(rec: AcceptorRecord, ballot: Ballot): AcceptorReply {
  if (!ballotAtLeast(ballot, rec.promised)) return { ok: false, promised: rec.promised! };
  const changed = rec.promised === null || !sameBallot(rec.promised, ballot);
  rec.promised = ballot;
  return { ok: true, changed, accepted: rec.accepted };
}

/** Phase 2b: vote for `value` at `ballot` unless a higher ballot was promised. */
export function handleAccept(rec: AcceptorRecord, ballot: Ballot, value: SlotValue): AcceptorReply {
  if (!ballotAtLeast(ballot, rec.promised)) return { ok: false, promised: rec.promised! };
  const changed = rec.accepted === null || !sameBallot(rec.accepted.ballot, ballot);
  rec.promised = ballot;
  rec.accepted = { ballot, value };
  return { ok: true, changed, accepted: rec.accepted };
}
