// The thin I/O driver of one deployment's SlotNode (quinn's ConnectionDriver shape): it owns the only
// clock reads and the only timer for the node, feeds inputs in one at a time, makes each persist durable
// before any message or event that depends on it leaves, and hands transmits and events to the host.
import type { Logger } from 'pino';
import { SlotNode, type SlotNodeInit, type SlotEvent, type SlotMessage, type DurableState } from '../../protocol/slots/index.ts';

export interface SlotDriverComponents {
  /** Write and fsync the node's durable state; resolves only when it is on disk. */
  readonly persist: (state: DurableState) => Promise<void>;
  /** Point-to-point send; loss is fine (the protocol retries). */
  readonly send: (to: string, msg: SlotMessage) => void;
  /** Gossip a chosen value once to everyone (the node emits one `chosen` per target, marked `broadcast`). */
  readonly broadcast: (msg: SlotMessage) => void;
  readonly onEvent: (event: SlotEvent) => void;
  readonly logger: Logger;
  readonly now?: () => number;
  /**
   * Chosen values drained together with this host's own grant are gossiped this much later: the host
   * starts deploying first, and publishing to every peer (signing, encrypting, writing to each) no longer
   * stands between the grant and the first lifecycle event. Observers learn the hand-over that much later.
   */
  readonly grantGossipDelayMs?: number;
}

export class SlotDriver {
  readonly node: SlotNode;
  private chain: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Gossip held back after this host's own grant (grantGossipDelayMs), published in order. */
  private readonly heldGossip: SlotMessage[] = [];
  private gossipTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly now: () => number;

  constructor(init: SlotNodeInit, private readonly c: SlotDriverComponents) {
    this.node = new SlotNode(init);
    this.now = c.now ?? (() => performance.now());
  }

  start(): Promise<void> {
    return this.input((now) => this.node.start(now));
  }

  deliver(from: string, msg: SlotMessage): Promise<void> {
    if (this.c.logger.isLevelEnabled('debug')) this.c.logger.debug({ from, ...brief(msg) }, 'slot message in');
    return this.input((now) => this.node.handleMessage(now, from, msg));
  }

  reportOutcome(outcome: 'succeeded' | 'failed'): Promise<void> {
    return this.input((now) => this.node.reportOutcome(now, outcome));
  }

  stop(): Promise<void> {
    return this.input((now) => this.node.stop(now));
  }

  /** Operator command: free the slot `host` holds, declaring it dead. No-op if it holds none. */
  declareDead(host: string): Promise<void> {
    return this.input((now) => {
      for (let slot = 0; slot < this.node.k; slot++) {
        const state = this.node.view.slotState(slot);
        if (state.kind === 'held' && state.host === host) this.node.forceRelease(now, slot, state.entry / 2, host);
      }
    });
  }

  /** Resolves when every input so far has been handled and drained. */
  settled(): Promise<void> {
    return this.chain;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.gossipTimer !== undefined) clearTimeout(this.gossipTimer);
  }

  private input(apply: (now: number) => void): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      apply(this.now());
      await this.drain();
    }).catch((err: unknown) => this.c.logger.error({ err }, 'slot driver failed'));
    return this.chain;
  }

  private async drain(): Promise<void> {
    for (let state = this.node.pollPersist(); state !== undefined; state = this.node.pollPersist()) {
      const started = this.now();
      await this.c.persist(state);
      if (this.c.logger.isLevelEnabled('debug')) this.c.logger.debug({ ms: Math.round(this.now() - started), self: state.self.phase }, 'slot state persisted');
    }
    const gossip = new Map<string, SlotMessage>(); // one publish per (slot, entry): the node addresses a copy to each target
    for (let t = this.node.pollTransmit(); t !== undefined; t = this.node.pollTransmit()) {
      if (t.broadcast === true && t.msg.type === 'chosen') {
        gossip.set(`${t.msg.slot}:${t.msg.entry}`, t.msg);
      } else {
        if (this.c.logger.isLevelEnabled('debug')) this.c.logger.debug({ to: t.to, ...brief(t.msg) }, 'slot message out');
        this.c.send(t.to, t.msg);
      }
    }
    this.arm(this.node.pollTimeout());
    const events: SlotEvent[] = [];
    for (let e = this.node.pollEvent(); e !== undefined; e = this.node.pollEvent()) events.push(e);
    // Held only behind this host's own grant, and never past the rollout's end (whose event counts them).
    const final = events.some((e) => e.type === 'deployment:final');
    const delay = !final && events.some((e) => e.type === 'slot:granted') ? this.c.grantGossipDelayMs ?? 0 : 0;
    if (delay > 0) {
      if (gossip.size > 0) {
        this.heldGossip.push(...gossip.values());
        this.gossipTimer ??= setTimeout(() => this.flushHeldGossip(), delay);
      }
    } else if (gossip.size > 0 || final) {
      this.flushHeldGossip(); // in order: a short lifecycle's release must not overtake its own grant
      for (const msg of gossip.values()) this.c.broadcast(msg);
    }
    for (const e of events) this.c.onEvent(e);
  }

  private flushHeldGossip(): void {
    if (this.gossipTimer !== undefined) clearTimeout(this.gossipTimer);
    this.gossipTimer = undefined;
    const held = this.heldGossip.splice(0);
    if (!this.closed) for (const msg of held) this.c.broadcast(msg);
  }

  private arm(deadline: number | undefined): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (deadline === undefined || this.closed) return;
    const delay = Math.max(0, Math.ceil(deadline - this.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.input((now) => this.node.handleTimeout(now));
    }, delay);
  }
}

/** The fields of a slot message worth a debug line (not the whole value). */
function brief(msg: SlotMessage): Record<string, unknown> {
  if (msg.type === 'query') return { type: msg.type };
  return { type: msg.type, slot: msg.slot, entry: msg.entry, ...('ballot' in msg ? { round: msg.ballot.round } : {}) };
}
