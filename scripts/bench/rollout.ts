// Rollout benchmark: a OneAtATime deployment with trivial hooks on N agent processes (127.0.0.1).
// Prints, per N: slot hand-over latency (the previous host's last hook ending → the next host's
// BeforeInstall starting; it includes journaling, the signed reports, the quorum release and grant,
// and DownloadBundle from the bundle cache), and slot-protocol messages per host (sent + received).
// The baseline in the same run is N = the smallest size: per-host messages should stay flat as N grows.
//   npm run bench:rollout -- --agents 10,30
import '../../protocol/polyfills.ts';
import { mkdtemp, readFile, rm, writeFile, mkdir, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sandboxDown, sandboxUp } from '../../coordinator/sandbox/sandbox.ts';
import { loadCoordinatorConfig } from '../../coordinator/config/config.ts';
import { ApiClient } from '../../coordinator/cli/client.ts';
import { pushDirectory } from '../../coordinator/commands/push.ts';
import type { DeploymentView } from '../../coordinator/status/deployment-view.ts';

interface Result { n: number; handoverMs: number[]; messagesPerHost: number[]; totalS: number }

async function main(): Promise<void> {
  const arg = process.argv.indexOf('--agents');
  const sizes = (arg > 0 ? process.argv[arg + 1]! : '10,30').split(',').map(Number);
  const results: Result[] = [];
  for (const n of sizes) results.push(await runOnce(n));
  const base = results[0]!;
  console.log('\nOneAtATime rollout, trivial hooks, agents as separate processes on 127.0.0.1');
  console.log('agents | hand-over p50 | p90 | max | slot msgs/host (mean) | vs first N | deployment total');
  for (const r of results) {
    const mean = avg(r.messagesPerHost);
    console.log(`${String(r.n).padStart(6)} | ${ms(pct(r.handoverMs, 50))} | ${ms(pct(r.handoverMs, 90))} | ${ms(Math.max(...r.handoverMs))} | ${mean.toFixed(1).padStart(8)} | ${(mean / avg(base.messagesPerHost)).toFixed(2)}x | ${r.totalS.toFixed(1)} s`);
  }
}

async function runOnce(n: number): Promise<Result> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `convoy-bench-rollout-${n}-`));
  process.stdout.write(`starting ${n} agents... `);
  const sandbox = await sandboxUp({ dir, agents: n, logLevel: 'info', heartbeatIntervalMs: 2000 });
  try {
    const config = await loadCoordinatorConfig(sandbox.configFile);
    const records = path.join(dir, 'records.log');
    const app = path.join(dir, 'app');
    await mkdir(app, { recursive: true });
    await writeFile(path.join(app, 'appspec.yml'), 'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: start.sh\n  AfterAllowTraffic:\n    - location: end.sh\n');
    for (const [name, kind] of [['start.sh', 'start'], ['end.sh', 'end']] as const) {
      await writeFile(path.join(app, name), `#!/bin/sh\necho "${kind} $CONVOY_INSTANCE_NAME $(date +%s%N)" >> ${records}\n`);
      await chmod(path.join(app, name), 0o755);
    }
    const revision = await pushDirectory(config.dataDir, app);
    const api = ApiClient.forConfig(config);
    const t0 = Date.now();
    const { deploymentId } = await api.post<{ deploymentId: string }>('/v1/deployments', {
      application: 'bench', deploymentGroup: `g${n}`, revision: revision.sha256, config: 'CodeDeployDefault.OneAtATime', targets: [],
    });
    let view: DeploymentView;
    for (;;) {
      view = await api.get<DeploymentView>(`/v1/deployments/${deploymentId}`);
      if (view.status !== 'InProgress' && view.status !== 'Created') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const totalS = (Date.now() - t0) / 1000;
    if (view.status !== 'Succeeded') throw new Error(`deployment ${deploymentId} ended ${view.status}`);
    await new Promise((r) => setTimeout(r, 3000)); // let every host learn the final state and log it
    process.stdout.write(`done in ${totalS.toFixed(1)} s\n`);
    return { n, handoverMs: handovers(await readFile(records, 'utf8')), messagesPerHost: await messageCounts(sandbox.agents.map((a) => a.dir), deploymentId), totalS };
  } finally {
    await sandboxDown(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Pairs each host's end with the next host's start, in time order. */
function handovers(text: string): number[] {
  const recs = text.split('\n').filter(Boolean).map((l) => { const [kind, host, ns] = l.split(' '); return { kind, host, ns: BigInt(ns!) }; });
  recs.sort((a, b) => (a.ns < b.ns ? -1 : 1));
  const out: number[] = [];
  for (let i = 0; i < recs.length - 1; i++) {
    if (recs[i]!.kind === 'end' && recs[i + 1]!.kind === 'start') out.push(Number(recs[i + 1]!.ns - recs[i]!.ns) / 1e6);
  }
  return out;
}

async function messageCounts(agentDirs: readonly string[], deploymentId: string): Promise<number[]> {
  const counts: number[] = [];
  for (const dir of agentDirs) {
    const log = await readFile(path.join(dir, 'agent.log'), 'utf8');
    const line = log.split('\n').find((l) => l.includes('"rollout final"') && l.includes(deploymentId));
    if (line) {
      const t = (JSON.parse(line) as { slotMessages: { sent: number; received: number } }).slotMessages;
      counts.push(t.sent + t.received);
    }
  }
  return counts;
}

const avg = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const pct = (xs: readonly number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN; };
const ms = (x: number): string => `${x.toFixed(1)} ms`.padStart(10);

main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1); });
