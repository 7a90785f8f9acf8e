// Target resolution at creation: only hosts heard within the alive window become targets, and the ones the
// request matched but that were not heard are returned, so the daemon can say who was left out.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CoordinatorStore } from '../store/store.ts';
import { generateCoordinatorKey } from '../config/keys.ts';
import type { Signer } from '../../protocol/signing/envelope.ts';
import { hostSignerForTest } from '../../test/support/keys.ts';
import { createDeployment, type CreateContext } from './create-deployment.ts';

const WINDOW_MS = 10_000;
const NOW = 1_800_000_000_000;
let dir: string;
let store: CoordinatorStore;
let signer: Signer;
let sha: string;
const hosts = Array.from({ length: 3 }, () => hostSignerForTest().id);

function heard(host: string, name: string, tags: Record<string, string>, ago: number): void {
  store.recordHeartbeat({
    type: 'heartbeat', v: 1, host, instanceName: name, tags, agentVersion: '1', runtime: 'node', addrs: [],
    revisions: [], uptimeMs: 1000, sentAt: NOW - ago,
  }, NOW - ago);
}

const ctx = (): CreateContext => ({ store, signer, seed: { peerId: hosts[0]!, addrs: [] }, now: NOW, aliveWindowMs: WINDOW_MS, intentTtlMs: 3_600_000 });

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-create-'));
  store = await CoordinatorStore.open(path.join(dir, 'data'));
  signer = await generateCoordinatorKey(path.join(dir, 'key.pem'));
  const bundle = path.join(dir, 'b.zip');
  await writeFile(bundle, 'PK fake bundle');
  sha = createHash('sha256').update('PK fake bundle').digest('hex');
  await store.putRevision(bundle, { sha256: sha, size: 14, bundleType: 'zip', createdAt: NOW });
  heard(hosts[0]!, 'web-1', { env: 'prod' }, 1000);
  heard(hosts[1]!, 'web-2', { env: 'prod' }, WINDOW_MS + 1); // last heard just outside the window
  heard(hosts[2]!, 'dev-1', { env: 'dev' }, 2 * WINDOW_MS);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('a tag filter targets the matching hosts heard within the window and returns the matching ones not heard', async () => {
  const created = await createDeployment({ application: 'app', deploymentGroup: 'g', revision: sha, targets: [{ key: 'env', value: 'prod' }] }, ctx());
  expect(created.intent.targets).toEqual([hosts[0]]);
  expect(created.unheard.map((f) => f.heartbeat.instanceName)).toEqual(['web-2']); // dev-1 does not match
});

it('no filter: every host heard is a target, every other is unheard', async () => {
  const created = await createDeployment({ application: 'app', deploymentGroup: 'g', revision: sha, targets: [] }, ctx());
  expect(created.intent.targets).toEqual([hosts[0]]);
  expect(created.unheard.map((f) => f.heartbeat.instanceName).sort()).toEqual(['dev-1', 'web-2']);
});

it('named peers: the unheard ones are returned, and none heard is an error', async () => {
  const created = await createDeployment({ application: 'app', deploymentGroup: 'g', revision: sha, targets: [], targetPeerIds: [hosts[0]!, hosts[1]!] }, ctx());
  expect(created.intent.targets).toEqual([hosts[0]]);
  expect(created.unheard.map((f) => f.heartbeat.host)).toEqual([hosts[1]]);
  await expect(createDeployment({ application: 'app', deploymentGroup: 'g', revision: sha, targets: [], targetPeerIds: [hosts[1]!] }, ctx()))
    .rejects.toThrow('None of the requested target hosts is alive');
  await expect(createDeployment({ application: 'app', deploymentGroup: 'g', revision: sha, targets: [{ key: 'env', value: 'dev' }] }, ctx()))
    .rejects.toThrow('No live host matches env=dev');
});
