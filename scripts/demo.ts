// `npm run demo`: a 5-agent sandbox fleet on 127.0.0.1 deploys the sample application (static page served
// by a tiny HTTP server, validated by a hook), with live progress, then prints fleet health and stops
// everything. No outside services.
import '../protocol/polyfills.ts';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sandboxDown, sandboxUp, REPO_ROOT } from '../coordinator/sandbox/sandbox.ts';
import { loadCoordinatorConfig } from '../coordinator/config/config.ts';
import { ApiClient } from '../coordinator/cli/client.ts';
import { pushDirectory } from '../coordinator/commands/push.ts';
import { waitForDeployment } from '../coordinator/commands/wait.ts';
import { getDeployment } from '../coordinator/commands/deploy.ts';
import { renderFleet } from '../coordinator/cli/render.ts';
import type { HostHealth } from '../coordinator/status/fleet-view.ts';

const AGENTS = 5;

async function main(): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-demo-'));
  say(`Starting a sandbox fleet: 1 coordinator + ${AGENTS} agents (separate processes) under ${dir}`);
  let t0 = Date.now();
  const sandbox = await sandboxUp({ dir, agents: AGENTS, tags: { env: 'demo' }, logLevel: 'warn' });
  say(`All ${AGENTS} agents joined the fleet in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  try {
    const config = await loadCoordinatorConfig(sandbox.configFile);
    const revision = await pushDirectory(config.dataDir, path.join(REPO_ROOT, 'scripts', 'demo', 'sample-app'));
    say(`Pushed the sample application: revision ${revision.sha256} (${revision.size} bytes)`);
    t0 = Date.now();
    const created = await ApiClient.forConfig(config).post<{ deploymentId: string; targets: string[] }>('/v1/deployments', {
      application: 'convoy-demo', deploymentGroup: 'sandbox', revision: revision.sha256,
      config: 'CodeDeployDefault.AllAtOnce', targets: [{ key: 'env', value: 'demo' }],
    });
    say(`Created deployment ${created.deploymentId} to ${created.targets.length} hosts (signed intent published over gossip)\n`);
    const code = await waitForDeployment(config, created.deploymentId, { json: false });
    const view = await getDeployment(config, created.deploymentId);
    const lastReport = Math.max(...view.hosts.flatMap((h) => h.events.map((e) => e.endedAt ?? e.startedAt)));
    say(`\nFrom deploy create to all ${view.hosts.length} hosts reporting success: ${((lastReport - t0) / 1000).toFixed(2)} s`);

    const { hosts } = await ApiClient.forConfig(config).get<{ hosts: HostHealth[] }>('/v1/fleet');
    say(`\nFleet health:\n${renderFleet(hosts)}`);
    say(`\nAgent resident memory (idle): ${(await agentRssMiB(sandbox.agents.map((a) => a.pid))).map((m) => `${m.toFixed(0)} MiB`).join(', ')}`);
    return code;
  } finally {
    const { stopped } = await sandboxDown(dir);
    say(`\nSandbox stopped (${stopped} processes, including the demo servers the hooks started)`);
    await rm(dir, { recursive: true, force: true });
  }
}

async function agentRssMiB(pids: readonly number[]): Promise<number[]> {
  const out: number[] = [];
  for (const pid of pids) {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
      if (Number.isFinite(kb)) out.push(kb / 1024);
    } catch {
      // Not Linux, or the process is gone.
    }
  }
  return out;
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
