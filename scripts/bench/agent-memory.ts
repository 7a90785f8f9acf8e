// Benchmark: resident memory of real agents (`convoy agent` processes of a local sandbox) receiving and
// serving a large revision. Pushes a revision holding one file of --size-mib random bytes (random bytes do
// not compress, so the bundle is about that size), deploys it AllAtOnce to N agents, and prints per agent: RSS
// idle before the deployment (the baseline, same run), peak RSS over the run (VmHWM: fetching, serving,
// unpacking and installing), and the difference.
//   node dist/scripts/bench/agent-memory.js [--agents 3] [--size-mib 1024]
import '../../protocol/polyfills.ts';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomFillSync } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { sandboxDown, sandboxUp } from '../../coordinator/sandbox/sandbox.ts';
import { loadCoordinatorConfig } from '../../coordinator/config/config.ts';
import { ApiClient } from '../../coordinator/cli/client.ts';
import { pushDirectory } from '../../coordinator/commands/push.ts';
import { deployAndWait } from './deployment.ts';

const MiB = 1024 * 1024;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** VmRSS and VmHWM (peak) of a process, in MiB (Linux /proc). */
async function memory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

async function writeRandomFile(file: string, bytes: number): Promise<void> {
  const out = createWriteStream(file);
  const block = Buffer.allocUnsafe(4 * MiB);
  for (let left = bytes; left > 0; left -= block.byteLength) {
    randomFillSync(block);
    const part = left >= block.byteLength ? block : block.subarray(0, left);
    if (!out.write(part)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

async function main(): Promise<void> {
  const agents = arg('agents', 3);
  const sizeMiB = arg('size-mib', 1024);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-bench-memory-'));
  try {
    const app = path.join(dir, 'app');
    await mkdir(app, { recursive: true });
    await writeFile(path.join(app, 'appspec.yml'), 'version: 0.0\nos: linux\nfiles:\n  - source: payload.bin\n    destination: /opt/payload\n');
    process.stdout.write(`writing a ${sizeMiB} MiB payload... `);
    await writeRandomFile(path.join(app, 'payload.bin'), sizeMiB * MiB);
    process.stdout.write(`starting ${agents} agents... `);
    const sandbox = await sandboxUp({ dir: path.join(dir, 'fleet'), agents, logLevel: 'warn' });
    try {
      const config = await loadCoordinatorConfig(sandbox.configFile);
      process.stdout.write('pushing... ');
      const revision = await pushDirectory(config.dataDir, app);
      await new Promise((r) => setTimeout(r, 3000)); // let the agents settle after joining
      const idle = await Promise.all(sandbox.agents.map((a) => memory(a.pid)));
      const api = ApiClient.forConfig(config);
      const t0 = Date.now();
      process.stdout.write('deploying... ');
      const view = await deployAndWait(api, { application: 'bench', deploymentGroup: 'memory', revision: revision.sha256, config: 'CodeDeployDefault.AllAtOnce' }, 500);
      const seconds = (Date.now() - t0) / 1000;
      const after = await Promise.all(sandbox.agents.map((a) => memory(a.pid)));
      console.log(`${view.status} in ${seconds.toFixed(1)} s\n`);
      console.log(`Revision ${(revision.size / MiB).toFixed(0)} MiB (zip), ${agents} agents, AllAtOnce, ${os.cpus().length} cores`);
      console.log('| agent | idle RSS before (MiB) | peak RSS (MiB) | peak - idle | RSS after (MiB) |');
      console.log('|---|---|---|---|---|');
      sandbox.agents.forEach((a, i) => {
        console.log(`| ${a.name} | ${idle[i]!.rss.toFixed(0)} | ${after[i]!.peak.toFixed(0)} | ${(after[i]!.peak - idle[i]!.rss).toFixed(0)} | ${after[i]!.rss.toFixed(0)} |`);
      });
      if (view.status !== 'Succeeded') process.exitCode = 1;
    } finally {
      await sandboxDown(path.join(dir, 'fleet'));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
