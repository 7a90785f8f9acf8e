// Carries slot-protocol messages between hosts: point-to-point messages as length-prefixed frames on one
// long-lived libp2p stream per peer and direction (the stream's remote peer id, authenticated by noise, is
// the sender), chosen values over gossip (gossipsub's signed `from` is the sender).
import { pipe } from 'it-pipe';
import { pushable, type Pushable } from 'it-pushable';
import * as lp from 'it-length-prefixed';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Logger } from 'pino';
import { PROTOCOL_SLOTS, TOPIC_SLOTS } from '../../protocol/topics.ts';
import { decodeMessage, encodeMessage, type SlotMessage } from '../../protocol/slots/index.ts';
import type { FleetNode } from '../network/node.ts';

export type SlotInbox = (from: string, msg: SlotMessage) => void;

const MAX_SLOT_FRAME_BYTES = 64 * 1024;
const DIAL_TIMEOUT_MS = 5000;
/** One outbound stream per peer; the limit only bounds reconnect churn. */
const MAX_STREAMS = 1024;
/** Bytes waiting for a peer's stream; beyond this the peer is not keeping up and messages drop. */
const MAX_QUEUED_BYTES = 1024 * 1024;

/** Per deployment: point-to-point messages, and chosen values published to / delivered by gossip. */
export interface SlotTraffic {
  sent: number;
  received: number;
  gossipSent: number;
  gossipReceived: number;
}

const NO_TRAFFIC: SlotTraffic = { sent: 0, received: 0, gossipSent: 0, gossipReceived: 0 };

export class SlotTransport {
  /** Messages per deployment, both directions: what the rollout costs each host (benchmarks, logs). */
  private readonly traffic = new Map<string, SlotTraffic>();
  private readonly outbound = new Map<string, Pushable<Uint8Array>>();

  constructor(private readonly node: FleetNode, private readonly logger: Logger) {}

  trafficOf(deployment: string): SlotTraffic {
    return { ...(this.traffic.get(deployment) ?? NO_TRAFFIC) };
  }

  private count(deployment: string, key: keyof SlotTraffic): void {
    let t = this.traffic.get(deployment);
    if (t === undefined) this.traffic.set(deployment, (t = { ...NO_TRAFFIC }));
    t[key] += 1;
  }

  async start(inbox: SlotInbox): Promise<void> {
    await this.node.handle(PROTOCOL_SLOTS, ({ stream, connection }) => {
      const from = connection.remotePeer.toString();
      void pipe(stream, (source) => lp.decode(source, { maxDataLength: MAX_SLOT_FRAME_BYTES }), async (source) => {
        for await (const frame of source) this.accept(from, frame.subarray(), inbox, 'received');
      }).then(
        // Close our side too: a half-open stream counts against the per-connection stream limits.
        () => stream.close(),
        (err: unknown) => {
          this.logger.debug({ err, from }, 'slot stream failed');
          stream.abort(err instanceof Error ? err : new Error(String(err)));
        },
      ).catch(() => undefined);
    }, { maxInboundStreams: MAX_STREAMS, maxOutboundStreams: MAX_STREAMS });
    this.node.services.pubsub.subscribe(TOPIC_SLOTS);
    this.node.services.pubsub.addEventListener('message', (evt) => {
      const msg = evt.detail;
      if (msg.topic !== TOPIC_SLOTS || msg.type !== 'signed') return;
      this.accept(msg.from.toString(), msg.data, inbox, 'gossipReceived');
    });
  }

  send(to: string, msg: SlotMessage): void {
    this.count(msg.deployment, 'sent');
    let queue = this.outbound.get(to);
    if (queue === undefined) this.outbound.set(to, (queue = this.openOutbound(to)));
    if (queue.readableLength >= MAX_QUEUED_BYTES) { // a byte pushable counts bytes
      this.logger.debug({ to, type: msg.type }, 'slot message dropped: peer stream backlog full');
      return;
    }
    queue.push(encodeMessage(msg));
  }

  /**
   * Opens the stream to `to` now, ahead of the first message: on a fleet's first rollout, the connection
   * (noise handshake, identify) and the protocol negotiation otherwise happen on the hand-over path.
   */
  connect(to: string): void {
    if (!this.outbound.has(to)) this.outbound.set(to, this.openOutbound(to));
  }

  /**
   * One long-lived stream per peer for everything this host sends it: no stream opening and protocol
   * negotiation per message (a round trip each) on the hand-over path. A failed stream is dropped with
   * whatever it held (the protocol retries) and the next message opens a new one.
   */
  private openOutbound(to: string): Pushable<Uint8Array> {
    const queue = pushable<Uint8Array>();
    void (async () => {
      // The deadline covers the dial only: a timer cleared once the stream is open, so nothing fires on the
      // signal libp2p was given for the rest of the stream's life (a 20-agent profile showed fired timeout
      // signals dispatching 'abort' to many listeners still attached to them).
      const dial = new AbortController();
      const timer = setTimeout(() => dial.abort(new Error(`no slot stream to ${to} within ${DIAL_TIMEOUT_MS} ms`)), DIAL_TIMEOUT_MS);
      const stream = await this.node.dialProtocol(peerIdFromString(to), PROTOCOL_SLOTS, { signal: dial.signal, maxOutboundStreams: MAX_STREAMS })
        .finally(() => clearTimeout(timer));
      try {
        await pipe(queue, (source) => lp.encode(source), stream.sink);
        await stream.close();
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    })().catch((err: unknown) => this.logger.debug({ err: (err as Error).message, to }, 'slot stream to peer failed; messages on it are lost'))
      .finally(() => {
        if (this.outbound.get(to) === queue) this.outbound.delete(to);
        queue.end();
      });
    return queue;
  }

  /** Ends every outbound stream (agent shutdown). */
  stop(): void {
    for (const queue of this.outbound.values()) queue.end();
    this.outbound.clear();
  }

  broadcast(msg: SlotMessage): void {
    this.count(msg.deployment, 'gossipSent');
    this.node.services.pubsub.publish(TOPIC_SLOTS, encodeMessage(msg)).catch((err: unknown) =>
      this.logger.debug({ err: (err as Error).message }, 'chosen value not gossiped'));
  }

  private accept(from: string, bytes: Uint8Array, inbox: SlotInbox, counter: 'received' | 'gossipReceived'): void {
    const decoded = decodeMessage(bytes);
    if (!decoded.ok) {
      this.logger.warn({ from, reason: decoded.reason }, 'slot message rejected');
      return;
    }
    this.count(decoded.value.deployment, counter);
    inbox(from, decoded.value);
  }
}
