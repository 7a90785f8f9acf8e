// Invariant checkers, called on every protocol output and after every simulation step.
//  1. One value per (slot, entry): a global map of chosen values, detected independently from
//     acceptor votes (a majority accepting one ballot), which every learner must agree with.
//  2. An acceptor never sends a Promise/Accepted for a ballot its durable state does not hold
//     (fsync before reply), and its durable promise never decreases, across restarts too.
//  3. Unhealthy hosts (deploying + failed + crashed while holding), excluding hosts an operator
//     declared dead, never exceed K.
import { compareBallots } from '../../protocol/slots/ballot.ts';
import type { DurableState, SlotMessage, SlotValue } from '../../protocol/slots/types.ts';
import { sameValue } from '../../protocol/slots/view.ts';

export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

function fail(message: string): never {
  throw new InvariantViolation(message);
}

export class SlotChecker {
  /** `${slot}:${entry}` → chosen value (from acceptor votes). */
  readonly chosen = new Map<string, SlotValue>();
  private readonly votes = new Map<string, Set<string>>();
  /** Contiguous chosen log per slot, kept incrementally (read on every step). */
  private readonly logs = new Map<number, SlotValue[]>();
  private readonly holderSet = new Set<string>();
  private readonly revokedSet = new Set<string>();

  constructor(
    private readonly quorum: number,
    private readonly committee: ReadonlySet<string>,
  ) {}

  /** A node made `next` durable; `prev` is what its disk held before. */
  onPersist(node: string, prev: DurableState | undefined, next: DurableState): void {
    if (prev !== undefined && prev.acceptor === next.acceptor) return; // records are copy-on-write
    for (const [key, rec] of Object.entries(next.acceptor)) {
      const old = prev?.acceptor[key];
      if (old === rec) continue;
      if (old?.promised && (rec.promised === null || compareBallots(rec.promised, old.promised) < 0)) {
        fail(`acceptor ${node} promise for ${key} went down`);
      }
      if (rec.accepted !== null && rec.promised !== null && compareBallots(rec.accepted.ballot, rec.promised) > 0) {
        fail(`acceptor ${node} accepted ${key} above its promise`);
      }
      if (rec.accepted !== null && (old?.accepted ?? null) !== rec.accepted) this.vote(node, key, rec.accepted);
    }
  }

  private vote(node: string, key: string, acc: NonNullable<DurableState['acceptor'][string]['accepted']>): void {
    if (!this.committee.has(node)) fail(`non-committee node ${node} voted`);
    const voteKey = `${key}|${acc.ballot.round}|${acc.ballot.nodeId}|${JSON.stringify(acc.value)}`;
    let set = this.votes.get(voteKey);
    if (set === undefined) this.votes.set(voteKey, (set = new Set()));
    set.add(node);
    if (set.size >= this.quorum) this.record(key, acc.value);
  }

  private record(key: string, value: SlotValue): void {
    const prior = this.chosen.get(key);
    if (prior === undefined) {
      this.chosen.set(key, value);
      this.extend(Number(key.slice(0, key.indexOf(':'))));
    } else if (!sameValue(prior, value)) fail(`two values chosen for ${key}: ${JSON.stringify(prior)} and ${JSON.stringify(value)}`);
  }

  /** A learner learned `value`; it must be the value acceptors chose. */
  onLearned(node: string, slot: number, entry: number, value: SlotValue): void {
    const key = `${slot}:${entry}`;
    const c = this.chosen.get(key);
    if (c === undefined) fail(`${node} learned ${key}=${JSON.stringify(value)} that no quorum accepted`);
    if (!sameValue(c, value)) fail(`${node} learned ${key}=${JSON.stringify(value)} but ${JSON.stringify(c)} was chosen`);
  }

  /** A reply leaves `node`: its disk must already hold the promise the reply stands for. */
  onSend(node: string, disk: DurableState | undefined, msg: SlotMessage): void {
    if (msg.type !== 'promise' && msg.type !== 'accepted') return;
    const rec = disk?.acceptor[`${msg.slot}:${msg.entry}`];
    if (rec?.promised == null || compareBallots(rec.promised, msg.ballot) < 0) {
      fail(`${node} replied ${msg.type} for ${msg.slot}:${msg.entry} before making it durable`);
    }
  }

  private extend(slot: number): void {
    let log = this.logs.get(slot);
    if (log === undefined) this.logs.set(slot, (log = []));
    for (let v = this.chosen.get(`${slot}:${log.length}`); v !== undefined; v = this.chosen.get(`${slot}:${log.length}`)) {
      const last = log[log.length - 1];
      if (last?.kind === 'grant') this.holderSet.delete(last.host);
      if (v.kind === 'grant') this.holderSet.add(v.host);
      if (v.kind === 'revoke') this.revokedSet.add(v.host);
      log.push(v);
    }
  }

  /** The chosen log of a slot as far as it is contiguous. */
  slotLog(slot: number): readonly SlotValue[] {
    return this.logs.get(slot) ?? [];
  }

  /** Hosts holding an open tenure according to the chosen logs. */
  holders(): ReadonlySet<string> {
    return this.holderSet;
  }

  /** Hosts an operator declared dead (their tenure was revoked). */
  revoked(): ReadonlySet<string> {
    return this.revokedSet;
  }
}

export interface HostTruth {
  readonly id: string;
  readonly crashed: boolean;
  readonly deploying: boolean;
  readonly failed: boolean; // its deploy failed or was cut by a crash
}

export function checkUnhealthy(hosts: readonly HostTruth[], holders: ReadonlySet<string>, revoked: ReadonlySet<string>, k: number): void {
  let unhealthy = 0;
  const names: string[] = [];
  for (const h of hosts) {
    if (revoked.has(h.id)) continue;
    if (h.deploying || h.failed || (h.crashed && holders.has(h.id))) {
      unhealthy += 1;
      names.push(h.id);
    }
  }
  if (unhealthy > k) fail(`${unhealthy} unhealthy hosts (${names.join(', ')}) exceed K = ${k}`);
}
