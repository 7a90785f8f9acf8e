// FleetPuller against a real libp2p host on 127.0.0.1 that answers PROTOCOL_STATUS and counts what reaches
// it: the pulls of one `deploy wait` share one connection and are spaced by PULL_INTERVAL_MS (injected clock).
import { generateKeyPair } from '@libp2p/crypto/keys';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createFleetNode, type FleetNode } from '../../agent/network/node.ts';
import { encodeJsonFrame, serveFrames } from '../../agent/network/frames.ts';
import { PROTOCOL_STATUS } from '../../protocol/topics.ts';
import type { CoordinatorStore, StoredDeployment } from '../store/store.ts';
import { FleetPuller, PULL_INTERVAL_MS, pullFromFleet } from './status-pull.ts';

let host: FleetNode;
let requests = 0;
let connections = 0;
let store: CoordinatorStore;
const deployment = { intent: { deploymentId: 'd-ABCDEFGHI', targets: [] as string[] } } as unknown as StoredDeployment;
const logger = pino({ level: 'silent' });

beforeEach(async () => {
  requests = 0;
  connections = 0;
  host = await createFleetNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], sharedAddresses: ['/ip4/127.0.0.1'] });
  host.addEventListener('connection:open', () => connections++);
  await serveFrames(host, PROTOCOL_STATUS, async function* () {
    requests++;
    yield encodeJsonFrame({ ok: true, reports: [] });
  }, () => undefined);
  const peer = host.peerId.toString();
  (deployment.intent.targets as string[]).splice(0, 1, peer);
  const heartbeat = { host: peer, addrs: host.getMultiaddrs().map((a) => a.toString()) };
  store = { fleetEntries: () => [{ heartbeat, receivedAt: 0 }] } as unknown as CoordinatorStore;
});

afterEach(async () => {
  await host.stop();
});

it('asks the fleet at most once per interval, over one connection kept for the whole wait', async () => {
  let now = 0;
  const puller = new FleetPuller(logger, () => now);
  try {
    await puller.pull(store, deployment);
    expect(requests).toBe(1);
    now = PULL_INTERVAL_MS - 1; // the next polls of `deploy wait` read the store only
    await puller.pull(store, deployment);
    await puller.pull(store, deployment);
    expect(requests).toBe(1);
    now = PULL_INTERVAL_MS;
    await puller.pull(store, deployment);
    now = 2 * PULL_INTERVAL_MS;
    await puller.pull(store, deployment);
    expect(requests).toBe(3);
    expect(connections).toBe(1);
  } finally {
    await puller.close();
  }
  await expect.poll(() => host.getConnections().length).toBe(0); // close() stops the node and its connection
});

it('a one-off pull (deploy get) starts and stops a node of its own each time', async () => {
  await pullFromFleet(store, deployment, logger);
  await pullFromFleet(store, deployment, logger);
  expect(requests).toBe(2);
  expect(connections).toBe(2);
  await expect.poll(() => host.getConnections().length).toBe(0);
});
