// Slot messages between two real libp2p nodes on 127.0.0.1: many point-to-point sends (all on one
// long-lived stream per peer, so per-connection stream limits never fill, and a new stream after the
// connection drops) and a gossiped chosen value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { createFleetNode, type FleetNode } from '../../agent/network/node.ts';
import { SlotTransport } from '../../agent/rollout/slot-transport.ts';
import type { SlotMessage } from '../../protocol/slots/index.ts';
import { TOPIC_SLOTS } from '../../protocol/topics.ts';

const logger = pino({ level: 'silent' });

describe('SlotTransport', () => {
  let a: FleetNode;
  let b: FleetNode;
  const inboxB: { from: string; msg: SlotMessage }[] = [];

  beforeAll(async () => {
    a = await createFleetNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], sharedAddresses: ['/ip4/127.0.0.1'] });
    b = await createFleetNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], sharedAddresses: ['/ip4/127.0.0.1'] });
    await new SlotTransport(a, logger).start(() => undefined);
    await new SlotTransport(b, logger).start((from, msg) => inboxB.push({ from, msg }));
    await a.dial(b.getMultiaddrs()[0]!);
    const deadline = Date.now() + 10_000;
    while (a.services.pubsub.getSubscribers(TOPIC_SLOTS).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('delivers 300 point-to-point messages with the sender authenticated, without exhausting stream limits', async () => {
    const sender = new SlotTransport(a, logger);
    for (let i = 0; i < 300; i++) {
      sender.send(b.peerId.toString(), { type: 'prepare', deployment: 'd-AAAAAAAAA', slot: 0, entry: i, ballot: { round: 1, nodeId: a.peerId.toString() } });
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 100));
    }
    const deadline = Date.now() + 15_000;
    while (inboxB.filter((m) => m.msg.type === 'prepare').length < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const prepares = inboxB.filter((m) => m.msg.type === 'prepare');
    expect(prepares).toHaveLength(300);
    expect(new Set(prepares.map((m) => m.from))).toEqual(new Set([a.peerId.toString()]));
    expect(a.getConnections(b.peerId).flatMap((c) => c.streams).length).toBeLessThan(10);
  }, 30_000);

  it('opens a new stream after the connection drops, so later messages still arrive', async () => {
    const sender = new SlotTransport(a, logger);
    const count = () => inboxB.filter((m) => m.msg.type === 'accept').length;
    const send = (entry: number) => sender.send(b.peerId.toString(), { type: 'accept', deployment: 'd-AAAAAAAAA', slot: 1, entry, ballot: { round: 1, nodeId: a.peerId.toString() }, value: { kind: 'close' } });
    send(0);
    for (const deadline = Date.now() + 10_000; count() < 1 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    await a.hangUp(b.peerId);
    await new Promise((r) => setTimeout(r, 100)); // the old stream's failure is noticed
    await a.dial(b.getMultiaddrs()[0]!);
    for (const deadline = Date.now() + 10_000; count() < 2 && Date.now() < deadline;) {
      send(2);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(count()).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it('gossips a chosen value with the publisher as sender', async () => {
    new SlotTransport(a, logger).broadcast({ type: 'chosen', deployment: 'd-AAAAAAAAA', slot: 0, entry: 0, value: { kind: 'close' } });
    const deadline = Date.now() + 10_000;
    while (!inboxB.some((m) => m.msg.type === 'chosen') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(inboxB.find((m) => m.msg.type === 'chosen')?.from).toBe(a.peerId.toString());
  }, 15_000);
});
