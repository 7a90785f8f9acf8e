// Rollout benchmark: a OneAtATime deployment with trivial hooks on N agent processes (127.0.0.1).
// Prints, per N:
//  - slot hand-over latency, the measure: a host ending its tenure (its lifecycle done, the
//    release proposed) → the next host's BeforeInstall hook starting. It spans the quorum release and
//    grant, the next host's journal writes and signed reports, ApplicationStop, DownloadBundle from the
//    bundle cache and the hook's process start. The hook stamps its first line with bash's $EPOCHREALTIME,
//    a builtin; it also stamps `date +%s%N` after it, the probe of earlier sessions, which adds a fork and
//    an exec (3-4 ms here) and is printed alongside. Without /bin/bash both stamps come from date;
//  - the same from the previous host's last hook starting (adds that hook's run and its journaling);
//  - slot-protocol messages per host (sent + received): point to point, and the gossiped chosen values;
//  - with --rounds >= 3, where a warm hand-over goes: medians of its segments at the next host's log lines.
// The baseline in the same run is N = the smallest size: per-host messages should stay flat as N grows.
//   npm run bench:rollout -- --agents 10,30 [--rounds 2]   (BENCH_LOG_LEVEL=debug BENCH_KEEP=1 to keep the agents' logs)
// --rounds R runs R deployments one after another on each fleet and prints each (round 1 is the fleet's first);
// with R >= 3 it also prints the hand-overs of rounds 3..R pooled, the warm-fleet figure.
import '../../protocol/polyfills.ts';
import { access, mkdtemp, readFile, rm, writeFile, mkdir, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sandboxDown, sandboxUp } from '../../coordinator/sandbox/sandbox.ts';
import { loadCoordinatorConfig } from '../../coordinator/config/config.ts';
import { ApiClient } from '../../coordinator/cli/client.ts';
import { pushDirectory } from '../../coordinator/commands/push.ts';
import { deployAndWait } from './deployment.ts';
import { processUsage, type ProcessUsage } from './proc-usage.ts';

interface Traffic { sent: number; received: number; gossipSent: number; gossipReceived: number }
/** One hand-over cut at the next host's log lines: release → grant → ApplicationStop done → DownloadBundle done → hook. */
interface Split { grant: number; applicationStop: number; downloadBundle: number; hook: number }
interface Result { n: number; round: number; fromRelease: number[]; fromReleaseByDate: number[]; fromLastHook: number[]; splits: Split[]; traffic: Traffic[]; totalS: number; cpu: ProcessUsage[] }

async function main(): Promise<void> {
  const arg = process.argv.indexOf('--agents');
  const sizes = (arg > 0 ? process.argv[arg + 1]! : '10,30').split(',').map(Number);
  const roundsArg = process.argv.indexOf('--rounds');
  const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 1;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a whole number of deployments per fleet, 1 or more');
  const results: Result[] = [];
  for (const n of sizes) results.push(...await runFleet(n, rounds));
  const base = results[0]!;
  const p2p = (t: Traffic): number => t.sent + t.received;
  const gossip = (t: Traffic): number => t.gossipSent + t.gossipReceived;
  console.log('\nOneAtATime rollout, trivial hooks, agents as separate processes on 127.0.0.1');
  console.log('hand-over = a host ends its tenure (release proposed) -> the next host\'s BeforeInstall hook starts');
  console.log('agents | round | hand-over p50 |    p90 |    max | from last hook p50 | p2p msgs/host | vs first N | gossip msgs/host | vs first N | CPU s/host | writes/host | total');
  for (const r of results) {
    const mp = avg(r.traffic.map(p2p));
    const mg = avg(r.traffic.map(gossip));
    console.log(`${String(r.n).padStart(6)} | ${String(r.round).padStart(5)} | ${ms(pct(r.fromRelease, 50))} | ${ms(pct(r.fromRelease, 90))} | ${ms(Math.max(...r.fromRelease))} | ${ms(pct(r.fromLastHook, 50))} | ${mp.toFixed(1).padStart(8)} | ${(mp / avg(base.traffic.map(p2p))).toFixed(2)}x | ${mg.toFixed(1).padStart(8)} | ${(mg / avg(base.traffic.map(gossip))).toFixed(2)}x | ${(avg(r.cpu.map((u) => u.cpuMs)) / 1000).toFixed(2).padStart(10)} | ${avg(r.cpu.map((u) => u.writes)).toFixed(0).padStart(11)} | ${r.totalS.toFixed(1)} s`);
  }
  // One round has N - 1 hand-overs, too few for a steady median on a shared VM: pool the warm rounds.
  if (rounds >= 3) {
    console.log(`\nwarm fleet: every hand-over of rounds 3..${rounds} pooled (rounds 1-2 still connect and compile)`);
    console.log('agents | hand-overs | p25 | p50 | p75 | p90 | p50, hook start stamped by date');
    for (const n of sizes) {
      const pooled = results.filter((r) => r.n === n && r.round >= 3);
      const warm = pooled.flatMap((r) => r.fromRelease);
      const byDate = pooled.flatMap((r) => r.fromReleaseByDate);
      console.log(`${String(n).padStart(6)} | ${String(warm.length).padStart(10)} | ${ms(pct(warm, 25))} | ${ms(pct(warm, 50))} | ${ms(pct(warm, 75))} | ${ms(pct(warm, 90))} | ${ms(pct(byDate, 50))}`);
    }
    console.log('\nwhere a warm hand-over goes, medians from the next host\'s log lines (millisecond timestamps)');
    console.log('agents | release -> grant | -> ApplicationStop done | -> DownloadBundle done | -> hook starts');
    for (const n of sizes) {
      const warm = results.filter((r) => r.n === n && r.round >= 3).flatMap((r) => r.splits);
      const median = (key: keyof Split): string => ms(pct(warm.map((x) => x[key]), 50));
      console.log(`${String(n).padStart(6)} | ${median('grant')} | ${median('applicationStop')} | ${median('downloadBundle')} | ${median('hook')}`);
    }
  }
}

/**
 * Starts N agents and runs `rounds` deployments on them, one after another. Round 1 is the fleet's first
 * deployment: the agents are connected only to the coordinator, and they connect to each other during it
 * (noise handshakes, identify, gossipsub meshes). Later rounds run on the connected fleet, which is what a
 * long-running fleet sees.
 */
async function runFleet(n: number, rounds: number): Promise<Result[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `convoy-bench-rollout-${n}-`));
  process.stdout.write(`starting ${n} agents... `);
  const sandbox = await sandboxUp({ dir, agents: n, logLevel: process.env['BENCH_LOG_LEVEL'] ?? 'info', heartbeatIntervalMs: heartbeatMs(n), joinTimeoutMs: 30_000 + n * 5_000 });
  try {
    const config = await loadCoordinatorConfig(sandbox.configFile);
    const records = path.join(dir, 'records.log');
    const app = path.join(dir, 'app');
    await mkdir(app, { recursive: true });
    await writeFile(path.join(app, 'appspec.yml'), 'version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: start.sh\n  AfterAllowTraffic:\n    - location: end.sh\n');
    const bash = await access('/bin/bash').then(() => true, () => false);
    for (const [name, kind] of [['start.sh', 'start'], ['end.sh', 'end']] as const) {
      // Fields: kind, instance, first-line stamp (ns), deployment id, date's stamp (ns). Words expand left to right.
      const script = bash
        ? `#!/bin/bash\necho "${kind} $CONVOY_INSTANCE_NAME \${EPOCHREALTIME/./}000 $DEPLOYMENT_ID $(date +%s%N)" >> ${records}\n`
        : `#!/bin/sh\nnow=$(date +%s%N)\necho "${kind} $CONVOY_INSTANCE_NAME $now $DEPLOYMENT_ID $now" >> ${records}\n`;
      await writeFile(path.join(app, name), script);
      await chmod(path.join(app, name), 0o755);
    }
    const revision = await pushDirectory(config.dataDir, app);
    const api = ApiClient.forConfig(config);
    const results: Result[] = [];
    for (let round = 1; round <= rounds; round++) {
      const before = await Promise.all(sandbox.agents.map((a) => processUsage(a.pid)));
      const t0 = Date.now();
      const view = await deployAndWait(api, { application: 'bench', deploymentGroup: `g${n}`, revision: revision.sha256, config: 'CodeDeployDefault.OneAtATime' }, 250);
      const deploymentId = view.deploymentId;
      const totalS = (Date.now() - t0) / 1000;
      const after = await Promise.all(sandbox.agents.map((a) => processUsage(a.pid)));
      const cpu = after.map((u, i) => ({ cpuMs: u.cpuMs - before[i]!.cpuMs, writes: u.writes - before[i]!.writes }));
      if (view.status !== 'Succeeded') throw new Error(`deployment ${deploymentId} ended ${view.status}`);
      await new Promise((r) => setTimeout(r, 3000)); // let every host learn the final state and log it
      process.stdout.write(`round ${round} done in ${totalS.toFixed(1)} s; `);
      const logs = await Promise.all(sandbox.agents.map((a) => readFile(path.join(a.dir, 'agent.log'), 'utf8')));
      const starts = hookRecords(await readFile(records, 'utf8'), deploymentId);
      const released = releases(logs, deploymentId);
      results.push({
        n, round, totalS, cpu,
        fromRelease: handovers(released, starts),
        fromReleaseByDate: handovers(released, starts.map((r) => ({ ...r, ms: r.dateMs }))),
        fromLastHook: handovers(starts.filter((r) => r.kind === 'end').map((r) => r.ms), starts),
        splits: splits(logs, deploymentId, starts),
        traffic: traffic(logs, deploymentId),
      });
    }
    process.stdout.write('\n');
    return results;
  } finally {
    await sandboxDown(dir);
    if (process.env['BENCH_KEEP'] === undefined) await rm(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

/** A hook's first line, stamped by a shell builtin (`ms`) and by date(1) after it (`dateMs`). */
interface HookRecord { kind: string; ms: number; dateMs: number }

/** The hook records one deployment's hosts wrote (kind, instance, epoch ns, deployment id, date's epoch ns per line). */
function hookRecords(text: string, deploymentId: string): HookRecord[] {
  const ms = (ns: string): number => Number(BigInt(ns) / 1000n) / 1000;
  return text.split('\n').filter(Boolean).map((l) => l.split(' ')).filter((f) => f[3] === deploymentId)
    .map(([kind, , ns, , dateNs]) => ({ kind: kind!, ms: ms(ns!), dateMs: ms(dateNs!) }));
}

/** Wall-clock times (ms) at which hosts ended their tenure with a success (agent log lines). */
function releases(logs: readonly string[], deploymentId: string): number[] {
  const out: number[] = [];
  for (const log of logs) {
    for (const line of log.split('\n')) {
      if (!line.includes('"ending slot tenure"') || !line.includes(deploymentId)) continue;
      const rec = JSON.parse(line) as { time: number; outcome: string };
      if (rec.outcome === 'succeeded') out.push(rec.time);
    }
  }
  return out;
}

/** For each moment in `from`, the time until the next BeforeInstall start after it (OneAtATime: the next host's). */
function handovers(from: readonly number[], records: readonly HookRecord[]): number[] {
  const starts = records.filter((r) => r.kind === 'start').map((r) => r.ms).sort((a, b) => a - b);
  const out: number[] = [];
  for (const t of from) {
    const next = starts.find((s) => s > t);
    if (next !== undefined) out.push(next - t);
  }
  return out;
}

/** Each successful release cut into segments at the log lines of the host granted next (see Split). */
function splits(logs: readonly string[], deploymentId: string, records: readonly HookRecord[]): Split[] {
  const hosts = logs.map((log) => {
    const at: Record<string, number> = {};
    for (const line of log.split('\n')) {
      if (!line.includes(deploymentId)) continue;
      const rec = JSON.parse(line) as { time: number; msg: string; event?: string };
      if (rec.msg === 'slot granted: deploying') at['grant'] = rec.time;
      else if (rec.msg === 'lifecycle event finished' && rec.event !== undefined) at[rec.event] = rec.time;
    }
    return at;
  });
  const starts = records.filter((r) => r.kind === 'start').map((r) => r.ms).sort((a, b) => a - b);
  const out: Split[] = [];
  for (const t of releases(logs, deploymentId)) {
    const next = hosts.filter((h) => h['grant'] !== undefined && h['grant'] >= t).sort((a, b) => a['grant']! - b['grant']!)[0];
    const hook = starts.find((x) => x > t);
    if (next === undefined || hook === undefined || next['ApplicationStop'] === undefined || next['DownloadBundle'] === undefined) continue;
    out.push({
      grant: next['grant']! - t,
      applicationStop: next['ApplicationStop'] - next['grant']!,
      downloadBundle: next['DownloadBundle'] - next['ApplicationStop'],
      hook: hook - next['DownloadBundle'],
    });
  }
  return out;
}

function traffic(logs: readonly string[], deploymentId: string): Traffic[] {
  const out: Traffic[] = [];
  for (const log of logs) {
    const line = log.split('\n').find((l) => l.includes('"rollout final"') && l.includes(deploymentId));
    if (line) out.push((JSON.parse(line) as { slotMessages: Traffic }).slotMessages);
  }
  return out;
}

/**
 * Every agent verifies every other agent's heartbeat, so their cost grows with N² across the fleet; on a
 * 2-core machine 30 agents beating every 2 s left no CPU for anything else. A fleet this size beats less often.
 */
const heartbeatMs = (n: number): number => Math.max(2000, n * 200);

const avg = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const pct = (xs: readonly number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN; };
const ms = (x: number): string => `${x.toFixed(1)} ms`.padStart(10);

main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1); });
