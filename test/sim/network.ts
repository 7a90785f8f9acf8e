// Simulated network: one queue per directed path, ordered by delivery time. Delay is uniform in
// [delayMinMs, delayMinMs + 2·delayMeanMs], so packets reorder. A full path drops a random queued
// packet. Partitions and loss apply at delivery; a delivered packet may also be replayed later
// (duplicate, late copy). Fault model: loss, duplication, reordering, delay, partitions that heal.
// Not modelled: corruption (the host layer authenticates streams) and forged senders.
import type { SlotMessage } from '../../protocol/slots/types.ts';
import type { Prng } from './prng.ts';

export interface NetworkOptions {
  lossPerMille: number;
  replayPerMille: number;
  delayMinMs: number;
  delayMeanMs: number;
  pathCapacity: number;
}

export interface Packet {
  readonly from: string;
  readonly to: string;
  readonly msg: SlotMessage;
  readonly deliverAt: number;
  readonly seq: number;
  /** One of the copies of a `chosen` value the node sent to every target (the agent gossips it once). */
  readonly broadcast: boolean;
}

export class Network {
  private readonly paths = new Map<string, Packet[]>();
  private seq = 0;
  /** Cached earliest delivery time over all paths (undefined = recompute). */
  private minAt: number | undefined | null = null;
  /** Node → side; packets crossing sides are dropped (one way only when `oneWay`). */
  private sides: Map<string, number> | null = null;
  private oneWay = false;
  /** Test hook: drop packets this predicate matches (e.g. one message type on one path). */
  filter: ((p: Packet) => boolean) | null = null;
  stats = { sent: 0, delivered: 0, lost: 0, replayed: 0, evicted: 0 };

  constructor(
    private readonly prng: Prng,
    public options: NetworkOptions,
  ) {}

  send(now: number, from: string, to: string, msg: SlotMessage, broadcast = false): void {
    this.stats.sent += 1;
    this.enqueue(now, from, to, msg, broadcast);
  }

  private enqueue(now: number, from: string, to: string, msg: SlotMessage, broadcast: boolean): void {
    const key = `${from}>${to}`;
    let q = this.paths.get(key);
    if (q === undefined) this.paths.set(key, (q = []));
    if (q.length >= this.options.pathCapacity) {
      q.splice(this.prng.int(0, q.length - 1), 1);
      this.minAt = null;
      this.stats.evicted += 1;
    }
    const o = this.options;
    const deliverAt = now + o.delayMinMs + this.prng.int(0, 2 * o.delayMeanMs);
    const packet: Packet = { from, to, msg, deliverAt, seq: this.seq++, broadcast };
    let i = q.length;
    while (i > 0 && q[i - 1]!.deliverAt > deliverAt) i -= 1;
    q.splice(i, 0, packet);
    if (this.minAt !== null && (this.minAt === undefined || deliverAt < this.minAt)) this.minAt = deliverAt;
  }

  nextDeliveryAt(): number | undefined {
    if (this.minAt !== null) return this.minAt;
    let min: number | undefined;
    for (const q of this.paths.values()) {
      const head = q[0];
      if (head !== undefined && (min === undefined || head.deliverAt < min)) min = head.deliverAt;
    }
    this.minAt = min;
    return min;
  }

  /** Removes every packet due by `now`, applies partitions/loss/replay, returns survivors by time. */
  deliverDue(now: number): Packet[] {
    const next = this.nextDeliveryAt();
    if (next === undefined || next > now) return [];
    this.minAt = null;
    const due: Packet[] = [];
    for (const q of this.paths.values()) {
      while (q.length > 0 && q[0]!.deliverAt <= now) due.push(q.shift()!);
    }
    due.sort((a, b) => a.deliverAt - b.deliverAt || a.seq - b.seq);
    const out: Packet[] = [];
    for (const p of due) {
      if (this.cut(p.from, p.to) || (this.filter?.(p) ?? false) || this.prng.chance(this.options.lossPerMille, 1000)) {
        this.stats.lost += 1;
        continue;
      }
      if (this.prng.chance(this.options.replayPerMille, 1000)) {
        this.stats.replayed += 1;
        this.enqueue(now, p.from, p.to, p.msg, p.broadcast);
      }
      this.stats.delivered += 1;
      out.push(p);
    }
    return out;
  }

  /** Drops everything queued to or from `node` (its sockets died with it). */
  dropNode(node: string): void {
    this.minAt = null;
    for (const [key, q] of this.paths) {
      const [from, to] = key.split('>');
      if (from === node || to === node) q.length = 0;
    }
  }

  partition(sides: Map<string, number>, oneWay: boolean): void {
    this.sides = sides;
    this.oneWay = oneWay;
  }

  heal(): void {
    this.sides = null;
  }

  partitioned(): boolean {
    return this.sides !== null;
  }

  cut(from: string, to: string): boolean {
    if (this.sides === null) return false;
    const a = this.sides.get(from) ?? 0;
    const b = this.sides.get(to) ?? 0;
    if (a === b) return false;
    return this.oneWay ? a < b : true;
  }
}
