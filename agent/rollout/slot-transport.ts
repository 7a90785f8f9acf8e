// Carries slot-protocol messages between hosts: point-to-point messages as one length-prefixed frame
// per libp2p stream (the stream's remote peer id, authenticated by noise, is the sender), chosen values
// over gossip (gossipsub's signed `from` is the sender).
import { pipe } from 'it-pipe';
import * as lp from 'it-length-prefixed';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Logger } from 'pino';
import { PROTOCOL_SLOTS, TOPIC_SLOTS } from '../../protocol/topics.ts';
import { decodeMessage, encodeMessage, type SlotMessage } from '../../protocol/slots/index.ts';
import type { FleetNode } from '../network/node.ts';

export type SlotInbox = (from: string, msg: SlotMessage) => void;

const MAX_SLOT_FRAME_BYTES = 64 * 1024;
const SEND_TIMEOUT_MS = 5000;
/** Streams are one message each and closed at once; the limit only bounds bursts. */
const MAX_STREAMS = 1024;

export interface SlotTraffic {
  sent: number;
  received: number;
}

export class SlotTransport {
  /** Messages per deployment, both directions: what the rollout costs each host (benchmarks, logs). */
  private readonly traffic = new Map<string, SlotTraffic>();

  constructor(private readonly node: FleetNode, private readonly logger: Logger) {}

  trafficOf(deployment: string): SlotTraffic {
    return { ...(this.traffic.get(deployment) ?? { sent: 0, received: 0 }) };
  }

  private count(deployment: string, key: keyof SlotTraffic): void {
    let t = this.traffic.get(deployment);
    if (t === undefined) this.traffic.set(deployment, (t = { sent: 0, received: 0 }));
    t[key] += 1;
  }

  async start(inbox: SlotInbox): Promise<void> {
    await this.node.handle(PROTOCOL_SLOTS, ({ stream, connection }) => {
      const from = connection.remotePeer.toString();
      void pipe(stream, (source) => lp.decode(source, { maxDataLength: MAX_SLOT_FRAME_BYTES }), async (source) => {
        for await (const frame of source) this.accept(from, frame.subarray(), inbox);
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
      this.accept(msg.from.toString(), msg.data, inbox);
    });
  }

  send(to: string, msg: SlotMessage): void {
    this.count(msg.deployment, 'sent');
    const bytes = encodeMessage(msg);
    void (async () => {
      const signal = AbortSignal.timeout(SEND_TIMEOUT_MS);
      const stream = await this.node.dialProtocol(peerIdFromString(to), PROTOCOL_SLOTS, { signal, maxOutboundStreams: MAX_STREAMS });
      try {
        await pipe([bytes], (source) => lp.encode(source), stream.sink);
        await stream.close({ signal });
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    })().catch((err: unknown) => this.logger.debug({ err: (err as Error).message, to, type: msg.type }, 'slot message not delivered'));
  }

  broadcast(msg: SlotMessage): void {
    this.count(msg.deployment, 'sent');
    this.node.services.pubsub.publish(TOPIC_SLOTS, encodeMessage(msg)).catch((err: unknown) =>
      this.logger.debug({ err: (err as Error).message }, 'chosen value not gossiped'));
  }

  private accept(from: string, bytes: Uint8Array, inbox: SlotInbox): void {
    const decoded = decodeMessage(bytes);
    if (!decoded.ok) {
      this.logger.warn({ from, reason: decoded.reason }, 'slot message rejected');
      return;
    }
    this.count(decoded.value.deployment, 'received');
    inbox(from, decoded.value);
  }
}
