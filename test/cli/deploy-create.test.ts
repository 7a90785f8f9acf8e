// Who a deployment leaves out, as the operator sees it: `convoy deploy create` (the compiled CLI against an
// in-process daemon) names matching hosts that were not heard lately, and a daemon that has just started waits
// for hosts it knows from fleet.json to heartbeat again instead of freezing a short target list.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { afterEach, expect, it } from 'vitest';
import { CoordinatorConfigSchema } from '../../coordinator/config/config.ts';
import { generateCoordinatorKey } from '../../coordinator/config/keys.ts';
import { startCoordinatorDaemon, type CoordinatorDaemon } from '../../coordinator/daemon/daemon.ts';
import { REPO_ROOT } from '../../coordinator/sandbox/sandbox.ts';
import { CoordinatorStore } from '../../coordinator/store/store.ts';
import { hostSignerForTest } from '../support/keys.ts';

const CLI = path.join(REPO_ROOT, 'dist', 'coordinator', 'cli', 'bin.js');
const BUNDLE = 'PK not really a zip';
const SHA = createHash('sha256').update(BUNDLE).digest('hex');
const [web1, web2] = [hostSignerForTest().id, hostSignerForTest().id];

let dir = '';
let daemon: CoordinatorDaemon | undefined;
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  await daemon?.stop();
  daemon = undefined;
  await rm(dir, { recursive: true, force: true });
});

function heard(store: CoordinatorStore, host: string, name: string, at: number): void {
  store.recordHeartbeat({
    type: 'heartbeat', v: 1, host, instanceName: name, tags: { env: 'prod' }, agentVersion: '1', runtime: 'node', addrs: [],
    revisions: [], uptimeMs: 1000, sentAt: at,
  }, at);
}

/** A data dir holding the revision and, in fleet.json, both hosts last heard `agoMs` before now. */
async function prepare(agoMs: number): Promise<void> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-create-cli-'));
  await generateCoordinatorKey(path.join(dir, 'key.pem'));
  const store = await CoordinatorStore.open(path.join(dir, 'data'));
  await writeFile(path.join(dir, 'b.zip'), BUNDLE);
  await store.putRevision(path.join(dir, 'b.zip'), { sha256: SHA, size: BUNDLE.length, bundleType: 'zip', createdAt: Date.now() });
  heard(store, web1, 'web-1', Date.now() - agoMs);
  heard(store, web2, 'web-2', Date.now() - agoMs);
  await store.flushFleet();
}

async function start(aliveWindowMs: number): Promise<string> {
  const raw = {
    dataDir: path.join(dir, 'data'), keyFile: path.join(dir, 'key.pem'), listen: ['/ip4/127.0.0.1/tcp/0'],
    api: { host: '127.0.0.1', port: 0 }, replicationTimeoutMs: 0, logLevel: 'silent', aliveWindowMs,
  };
  daemon = await startCoordinatorDaemon(CoordinatorConfigSchema.parse(raw), pino({ level: 'silent' }));
  const configFile = path.join(dir, 'coordinator.yaml');
  await writeFile(configFile, stringify({ ...raw, api: { host: '127.0.0.1', port: Number(new URL(daemon.apiUrl).port) } }));
  return configFile;
}

function convoy(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

const create = ['deploy', 'create', '--application', 'web', '--group', 'prod', '--revision', SHA, '--targets', 'env=prod'];

it('deploy create names the matching hosts it left out, on stderr and in --json', async () => {
  await prepare(10 * 60_000);
  const config = await start(1000);
  // web-1 heartbeats (every 100 ms, as a live agent would); web-2 was last heard ten minutes ago.
  timers.push(setInterval(() => heard(daemon!.store, web1, 'web-1', Date.now()), 100));

  const plain = await convoy([...create, '--config', config]);
  expect(plain.code, plain.stderr).toBe(0);
  expect(plain.stdout).toMatch(/^d-[A-Z0-9]{9}\n$/); // the id alone: scripts capture it
  expect(plain.stderr).toContain('1 matching host(s) not heard from recently are NOT targets of this deployment: web-2');
  expect(plain.stderr).toMatch(/web-2 \(\w{8}…\w{6}, last heard 6\d\ds ago\)/);

  const json = await convoy([...create, '--json', '--config', config]);
  expect(json.code, json.stderr).toBe(0);
  const body = JSON.parse(json.stdout) as { targets: string[]; unheard: Array<{ peerId: string; instanceName: string; lastHeardAt: number }> };
  expect(body.targets).toEqual([web1]);
  expect(body.unheard).toEqual([{ peerId: web2, instanceName: 'web-2', lastHeardAt: expect.any(Number) }]);
  expect(Date.now() - body.unheard[0]!.lastHeardAt).toBeGreaterThanOrEqual(10 * 60_000);
});

it('nothing is printed when every matching host was heard', async () => {
  await prepare(0);
  const config = await start(60_000);
  const run = await convoy([...create, '--config', config]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toBe('');
});

it('a daemon that has just started waits for the hosts fleet.json knows to be heard again before it resolves targets', async () => {
  // Both hosts were last heard before the restart, longer ago than the window: neither counts as alive yet.
  await prepare(30_000);
  await start(20_000);
  const t0 = Date.now();
  const created = daemon!.create({ application: 'web', deploymentGroup: 'prod', revision: SHA, targets: [{ key: 'env', value: 'prod' }] });
  await new Promise((r) => setTimeout(r, 300));
  heard(daemon!.store, web1, 'web-1', Date.now());
  await new Promise((r) => setTimeout(r, 300));
  heard(daemon!.store, web2, 'web-2', Date.now());
  const { intent, unheard } = await created;
  expect(intent.targets).toEqual([web1, web2].sort());
  expect(unheard).toEqual([]);
  expect(Date.now() - t0).toBeLessThan(10_000); // it went ahead once both were heard, not at the window's end
});
