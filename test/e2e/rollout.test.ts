// Rolling deployments on 7 real agent processes: every host's BeforeInstall and ValidateService hooks
// append start/end records to one shared file, and the records must never show more than K = N − m hosts
// unhealthy (started and not yet ended successfully) at once, through kill -9 of a deploying host, of a
// committee member, and of the coordinator.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { startFleet, type TestFleet } from '../support/fleet.ts';
import { chooseCommittee } from '../../protocol/slots/index.ts';
import type { DeploymentView } from '../../coordinator/status/deployment-view.ts';
import { getDeployment } from '../../coordinator/commands/deploy.ts';
import { waitForDeployment } from '../../coordinator/commands/wait.ts';
import { EXIT } from '../../coordinator/cli/errors.ts';

const N = 7;

interface Rec { kind: 'start' | 'end'; host: string; at: bigint; deployment: string }

interface RevisionOptions {
  /** Seconds each host's BeforeInstall sleeps after its start record (default 0.3). */
  sleep?: number;
  /** Seconds the first host to start sleeps instead (mkdir on the shared disk picks exactly one). */
  firstSleeps?: number;
  failHost?: string;
}

function revision(records: string, group: string, opts: RevisionOptions = {}): Record<string, string | { text: string; mode: number }> {
  const script = (body: string) => ({ mode: 0o755, text: `#!/bin/sh\nset -e\n${body}\n` });
  const sleep = `sleep ${opts.sleep ?? 0.3}`;
  return {
    'appspec.yml': `version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /opt/${group}\nhooks:\n  BeforeInstall:\n    - location: start.sh\n  ValidateService:\n    - location: end.sh\n`,
    'app/version.txt': group,
    'start.sh': script(`echo "start $CONVOY_INSTANCE_NAME $(date +%s%N) $DEPLOYMENT_ID" >> ${records}\n` +
      (opts.firstSleeps === undefined ? sleep : `if mkdir ${records}.first-${group} 2>/dev/null; then sleep ${opts.firstSleeps}; else ${sleep}; fi`)),
    'end.sh': script(`${opts.failHost ? `if [ "$CONVOY_INSTANCE_NAME" = "${opts.failHost}" ]; then echo failing on purpose; exit 1; fi\n` : ''}echo "end $CONVOY_INSTANCE_NAME $(date +%s%N) $DEPLOYMENT_ID" >> ${records}`),
  };
}

async function records(file: string, deployment: string): Promise<Rec[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => {
    const [kind, host, at, id] = line.split(' ');
    return { kind: kind as Rec['kind'], host: host!, at: BigInt(at!), deployment: id! };
  }).filter((r) => r.deployment === deployment);
}

/** The most hosts ever between their start record and a successful end (failed or killed ones stay open). */
function maxUnhealthy(recs: readonly Rec[]): number {
  const open = new Set<string>();
  let max = 0;
  for (const r of [...recs].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))) {
    if (r.kind === 'start') open.add(r.host);
    else open.delete(r.host);
    max = Math.max(max, open.size);
  }
  return max;
}

/** The coordinator's and each agent's log lines about `id`'s stop, for a failure message. */
async function stopTrail(dir: string, id: string): Promise<string> {
  const files = [path.join(dir, 'coordinator', 'daemon.log'), ...Array.from({ length: N }, (_, i) => path.join(dir, 'agents', `agent-${i + 1}`, 'agent.log'))];
  const lines: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (line.includes(id) && /stop|control|intent|granted|final/.test(line)) lines.push(`${path.basename(path.dirname(file))}: ${line.slice(0, 400)}`);
    }
  }
  return lines.join('\n');
}

describe('rolling deployments on 7 agent processes', () => {
  let fleet: TestFleet;
  let recordFile: string;

  beforeAll(async () => {
    fleet = await startFleet(N);
    recordFile = path.join(fleet.dir, 'records.log');
  }, 120_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  async function run(group: string, config: string, opts: RevisionOptions = {}): Promise<{ view: DeploymentView; recs: Rec[] }> {
    const id = await fleet.deploy({ revision: await fleet.push(revision(recordFile, group, opts)), deploymentGroup: group, config });
    const view = await fleet.waitFinal(id, 120_000);
    return { view, recs: await records(recordFile, id) };
  }

  it('OneAtATime: one host at a time, all succeed', async () => {
    const { view, recs } = await run('one', 'CodeDeployDefault.OneAtATime');
    expect(view.status).toBe('Succeeded');
    expect(view.counts.Succeeded).toBe(N);
    expect(recs.filter((r) => r.kind === 'start')).toHaveLength(N);
    expect(maxUnhealthy(recs)).toBe(1);
    // Hosts waiting for the slot unpacked the bundle ahead, so their DownloadBundle on the hand-over path was a
    // rename (a host granted before its fetch finished unpacks it then).
    const ahead = view.hosts.filter((h) => h.events.find((e) => e.event === 'DownloadBundle')?.message.endsWith('unpacked while waiting for a slot'));
    expect(ahead.length).toBeGreaterThanOrEqual(N - 2);
  }, 150_000);

  it('HalfAtATime: at most 3 of 7 at once (m = ceil(3.5) = 4), and more than one in parallel', async () => {
    const { view, recs } = await run('half', 'CodeDeployDefault.HalfAtATime', { sleep: 1 });
    expect(view.status).toBe('Succeeded');
    expect(maxUnhealthy(recs)).toBeLessThanOrEqual(3);
    expect(maxUnhealthy(recs)).toBeGreaterThan(1);
  }, 150_000);

  it('HOST_COUNT 5: a failed host keeps its slot, the rest go one at a time, 6 of 7 succeed', async () => {
    await fleet.api.post('/v1/deployment-configs', { name: 'KeepFive', type: 'HOST_COUNT', value: 5 });
    const { view, recs } = await run('five', 'KeepFive', { failHost: 'agent-3' });
    expect(view.status).toBe('Succeeded');
    expect(view.counts).toMatchObject({ Succeeded: 6, Failed: 1 });
    expect(maxUnhealthy(recs)).toBeLessThanOrEqual(2);
  }, 150_000);

  it('HOST_COUNT 6 (K = 1): the first failure burns the only slot, no further host starts, the deployment fails', async () => {
    await fleet.api.post('/v1/deployment-configs', { name: 'KeepSix', type: 'HOST_COUNT', value: 6 });
    const failing = await fleet.push({ ...revision(recordFile, 'six'), 'end.sh': { mode: 0o755, text: '#!/bin/sh\nexit 1\n' } });
    const id2 = await fleet.deploy({ revision: failing, deploymentGroup: 'six', config: 'KeepSix' });
    const view = await fleet.waitFinal(id2, 120_000);
    expect(view.status).toBe('Failed');
    expect(view.counts.Failed).toBe(1);
    expect(view.counts.Skipped).toBe(N - 1);
    expect((await records(recordFile, id2)).filter((r) => r.kind === 'start')).toHaveLength(1);
  }, 150_000);

  it('m >= N fails at once and touches no host', async () => {
    await fleet.api.post('/v1/deployment-configs', { name: 'KeepSeven', type: 'HOST_COUNT', value: 7 });
    const { view, recs } = await run('seven', 'KeepSeven');
    expect(view.status).toBe('Failed');
    expect(view.failureReason).toMatch(/HEALTH_CONSTRAINTS/);
    expect(recs).toHaveLength(0);
  }, 60_000);

  it('kill -9 of a deploying host and of a committee member: the bound holds, the deployment completes', async () => {
    await fleet.api.post('/v1/deployment-configs', { name: 'KeepFour', type: 'HOST_COUNT', value: 4 });
    const id = await fleet.deploy({ revision: await fleet.push(revision(recordFile, 'kill', { sleep: 2 })), deploymentGroup: 'kill', config: 'KeepFour' });
    const deadline = Date.now() + 60_000;
    let recs: Rec[] = [];
    while ((recs = await records(recordFile, id)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const victim = recs[0]!.host;
    const { hosts } = await fleet.api.get<{ hosts: { peerId: string; instanceName: string }[] }>('/v1/fleet');
    const peerOf = new Map(hosts.map((h) => [h.instanceName, h.peerId]));
    const nameOf = new Map(hosts.map((h) => [h.peerId, h.instanceName]));
    const started = new Set(recs.map((r) => r.host));
    const view0 = await fleet.view(id);
    const committee = chooseCommittee(id, view0.hosts.map((h) => h.peerId)).map((p) => nameOf.get(p)!);
    const member = committee.find((name) => name !== victim && !started.has(name)) ?? committee.find((name) => name !== victim)!;
    fleet.killAgent(victim);
    fleet.killAgent(member);
    expect(peerOf.get(victim)).toBeDefined();
    await new Promise((r) => setTimeout(r, 3000));
    fleet.restartAgent(victim);
    fleet.restartAgent(member);
    const view = await fleet.waitFinal(id, 150_000);
    recs = await records(recordFile, id);
    expect(maxUnhealthy(recs)).toBeLessThanOrEqual(3);
    expect(view.status).toBe('Succeeded');
    expect(view.hosts.find((h) => h.instanceName === victim)?.status).toBe('Failed');
    expect(view.counts.Succeeded).toBeGreaterThanOrEqual(4);
  }, 250_000);

  it('the coordinator killed right after publishing: the fleet finishes, the CLI learns the outcome from the hosts, and so does a restarted coordinator', async () => {
    const rev = await fleet.push(revision(recordFile, 'headless', { sleep: 0.2 }));
    const id = await fleet.deploy({ revision: rev, deploymentGroup: 'headless', config: 'CodeDeployDefault.OneAtATime' });
    fleet.killCoordinator();
    // Wait until every host wrote its end record, with no coordinator running.
    const deadline = Date.now() + 120_000;
    while ((await records(recordFile, id)).filter((r) => r.kind === 'end').length < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const recs = await records(recordFile, id);
    expect(recs.filter((r) => r.kind === 'end')).toHaveLength(N);
    expect(maxUnhealthy(recs)).toBe(1);
    // The CLI, with no coordinator running, asks the hosts themselves: `deploy wait` (its own pulls, on a copy
    // of the store taken before anything was pulled into it) and `deploy get`.
    const untouched = `${fleet.config.dataDir}-copy`;
    await cp(fleet.config.dataDir, untouched, { recursive: true });
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => { printed.push(String(chunk)); return true; });
    try {
      expect(await waitForDeployment({ ...fleet.config, dataDir: untouched }, id, { json: true, timeoutMs: 30_000 })).toBe(EXIT.ok);
    } finally {
      write.mockRestore();
    }
    expect((JSON.parse(printed.join('')) as DeploymentView).counts.Succeeded).toBe(N);
    const offline = await getDeployment(fleet.config, id);
    expect(offline.status).toBe('Succeeded');
    expect(offline.counts.Succeeded).toBe(N);
    await fleet.restartCoordinator();
    const view = await fleet.waitFinal(id, 60_000);
    expect(view.status).toBe('Succeeded');
    expect(view.counts.Succeeded).toBe(N);
    // The next tests create deployments for every host: under load, one created right after the restart
    // targeted only the 2 hosts heard by then (before the daemon held creates for its first alive window; this
    // wait keeps the tests independent of that window).
    await fleet.waitForAgents();
  }, 250_000);

  it('the coordinator dead, a waiting host restarted on a new port: it finds the fleet from the peers it saved and deploys', async () => {
    const rev = await fleet.push(revision(recordFile, 'orphan', { sleep: 1 }));
    const id = await fleet.deploy({ revision: rev, deploymentGroup: 'orphan', config: 'CodeDeployDefault.OneAtATime' });
    fleet.killCoordinator();
    const deadline = Date.now() + 60_000;
    let recs: Rec[] = [];
    while ((recs = await records(recordFile, id)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const started = new Set(recs.map((r) => r.host));
    const victim = Array.from({ length: N }, (_, i) => `agent-${i + 1}`).find((name) => !started.has(name))!;
    fleet.killAgent(victim);
    await new Promise((r) => setTimeout(r, 1000));
    // Back on a new port (listen port 0) with its only bootstrap peer, the coordinator, dead: nobody knows
    // where it is, so it must dial the fleet itself.
    fleet.restartAgent(victim);
    const end = Date.now() + 150_000;
    while ((await records(recordFile, id)).filter((r) => r.kind === 'end').length < N && Date.now() < end) await new Promise((r) => setTimeout(r, 250));
    recs = await records(recordFile, id);
    expect(recs.filter((r) => r.kind === 'end').map((r) => r.host).sort()).toEqual(Array.from({ length: N }, (_, i) => `agent-${i + 1}`).sort());
    expect(maxUnhealthy(recs)).toBe(1);
    await fleet.restartCoordinator();
    expect((await fleet.waitFinal(id, 60_000)).status).toBe('Succeeded');
    await fleet.waitForAgents();
  }, 300_000);

  it('stop: hosts not yet started never start and the deployment ends Stopped', async () => {
    const id = await fleet.deploy({ revision: await fleet.push(revision(recordFile, 'stop', { sleep: 1.5 })), deploymentGroup: 'stop', config: 'CodeDeployDefault.OneAtATime' });
    const deadline = Date.now() + 60_000;
    while ((await records(recordFile, id)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await fleet.api.post(`/v1/deployments/${id}/stop`, { rollback: false });
    const view = await fleet.waitFinal(id, 120_000);
    expect(view.hosts.map((h) => h.instanceName), 'the deployment targets every host').toHaveLength(N);
    expect(view.status, view.status === 'Stopped' ? '' : await stopTrail(fleet.dir, id)).toBe('Stopped');
    const started = new Set((await records(recordFile, id)).filter((r) => r.kind === 'start').map((r) => r.host));
    expect(started.size).toBeLessThanOrEqual(2);
    // Every host that ran no hook ends Stopped, including one whose claim was granted after the stop (it yields
    // the slot unused; it used to be reported Failed, as if it had restarted holding the slot).
    for (const h of view.hosts.filter((x) => !started.has(x.instanceName))) expect([h.instanceName, h.status]).toEqual([h.instanceName, 'Stopped']);
    expect(view.counts.Stopped).toBeGreaterThanOrEqual(N - 2);
  }, 150_000);

  it('automatic rollback on failure: a new deployment of the last successful revision, linked to the failed one', async () => {
    const good = await fleet.push(revision(recordFile, 'rb'));
    const okId = await fleet.deploy({ revision: good, deploymentGroup: 'rb', config: 'CodeDeployDefault.AllAtOnce' });
    expect((await fleet.waitFinal(okId)).status).toBe('Succeeded');
    const bad = await fleet.push({ ...revision(recordFile, 'rb'), 'app/version.txt': 'bad', 'end.sh': { mode: 0o755, text: '#!/bin/sh\nexit 1\n' } });
    const badId = await fleet.deploy({ revision: bad, deploymentGroup: 'rb', config: 'CodeDeployDefault.AllAtOnce', autoRollbackEvents: ['DEPLOYMENT_FAILURE'] });
    const failed = await fleet.waitFinal(badId);
    expect(failed.status).toBe('Failed');
    const deadline = Date.now() + 30_000;
    let rolledBackBy: string | undefined;
    while (!(rolledBackBy = (await fleet.view(badId)).rolledBackBy) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(rolledBackBy).toBeDefined();
    const rollback = await fleet.waitFinal(rolledBackBy!);
    expect(rollback).toMatchObject({ status: 'Succeeded', rollbackOf: badId, revision: good });
    for (const host of rollback.hosts) {
      expect(await readFile(path.join(fleet.destOf(host.instanceName), 'opt/rb/version.txt'), 'utf8')).toBe('rb');
    }
  }, 150_000);

  it('declare-dead: a host killed holding the only slot blocks the rollout until the operator frees it; the rest deploy', async () => {
    // The first host to start sleeps in BeforeInstall, and its agent is killed there.
    const id = await fleet.deploy({ revision: await fleet.push(revision(recordFile, 'dead', { firstSleeps: 20 })), deploymentGroup: 'dead', config: 'CodeDeployDefault.OneAtATime' });
    const deadline = Date.now() + 60_000;
    let recs: Rec[] = [];
    while ((recs = await records(recordFile, id)).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const victim = recs[0]!.host;
    fleet.killAgent(victim);
    // A crashed holder keeps its slot: nobody else starts.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await records(recordFile, id)).map((r) => r.host)).toEqual([victim]);
    // (Created when the victim's InProgress report was still in its outbox when it died.)
    expect(['Created', 'InProgress']).toContain((await fleet.view(id)).status);
    await fleet.api.post(`/v1/deployments/${id}/declare-dead`, { host: victim });
    const view = await fleet.waitFinal(id, 120_000);
    recs = await records(recordFile, id);
    const others = recs.filter((r) => r.host !== victim);
    expect(others.filter((r) => r.kind === 'end')).toHaveLength(N - 1);
    expect(maxUnhealthy(others)).toBe(1);
    // OneAtATime: m = N - 1, and the N - 1 live hosts succeeded.
    expect(view.status).toBe('Succeeded');
    expect(view.hosts.find((h) => h.instanceName === victim)?.status).toBe('Failed');
    expect(view.counts.Succeeded).toBe(N - 1);
    // Back, the victim learns its slot was taken from it and never runs another hook of this deployment.
    fleet.restartAgent(victim);
    await new Promise((r) => setTimeout(r, 5000));
    expect((await records(recordFile, id)).filter((r) => r.host === victim)).toHaveLength(1);
    expect((await fleet.view(id)).status).toBe('Succeeded');
  }, 150_000);
});
