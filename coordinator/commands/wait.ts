// Live progress while a deployment runs: a per-host table redrawn in place on a terminal (log-update),
// or one line per change when output is not a terminal.
import logUpdate from 'log-update';
import type { CoordinatorConfig } from '../config/config.ts';
import type { DeploymentView } from '../status/deployment-view.ts';
import { EXIT } from '../cli/errors.ts';
import { renderDeployment, table, shortPeer } from '../cli/render.ts';
import type { FleetPuller } from '../daemon/status-pull.ts';
import { getDeployment, type FleetPull } from './deploy.ts';
import { printJson } from './common.ts';

const POLL_MS = 250;
const FINAL = new Set(['Succeeded', 'Failed', 'Stopped']);

export async function waitForDeployment(config: CoordinatorConfig, id: string, opts: { json: boolean; timeoutMs?: number }): Promise<number> {
  // With no daemon running, one node asks the fleet for the whole wait (loaded on first use: libp2p is heavy).
  let puller: FleetPuller | undefined;
  const pull: FleetPull = async (store, d) => {
    if (puller === undefined) {
      const [{ FleetPuller }, { pino }] = await Promise.all([import('../daemon/status-pull.ts'), import('pino')]);
      puller = new FleetPuller(pino({ level: 'silent' }));
    }
    await puller.pull(store, d);
  };
  try {
    return await poll(config, id, opts, pull);
  } finally {
    await puller?.close();
  }
}

async function poll(config: CoordinatorConfig, id: string, opts: { json: boolean; timeoutMs?: number }, pull: FleetPull): Promise<number> {
  const started = Date.now();
  const live = !opts.json && process.stdout.isTTY === true;
  let lastLine = '';
  for (;;) {
    const view = await getDeployment(config, id, pull);
    if (live) logUpdate(progressTable(view, Date.now() - started));
    else if (!opts.json) {
      const line = progressLine(view);
      if (line !== lastLine) process.stdout.write(`${line}\n`);
      lastLine = line;
    }
    if (FINAL.has(view.status)) {
      if (live) logUpdate.done();
      if (opts.json) printJson(view);
      else process.stdout.write(`\n${renderDeployment(view)}\n`);
      return view.status === 'Succeeded' ? EXIT.ok : EXIT.failed;
    }
    if (opts.timeoutMs !== undefined && Date.now() - started > opts.timeoutMs) {
      if (live) logUpdate.done();
      process.stderr.write(`Timed out after ${Math.round(opts.timeoutMs / 1000)}s; deployment ${id} is ${view.status}\n`);
      return EXIT.timeout;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function progressTable(view: DeploymentView, elapsedMs: number): string {
  const rows = view.hosts.map((h) => {
    const current = h.events[h.events.length - 1];
    const done = h.events.filter((e) => e.status !== 'InProgress').length;
    const dl = h.download === undefined ? '' : `${(h.download.bytes / 1048576).toFixed(1)}/${(h.download.total / 1048576).toFixed(1)} MiB ${h.download.peers}p`;
    return [h.instanceName, shortPeer(h.peerId), h.status, current ? `${current.event} ${current.status}` : 'waiting', `${'#'.repeat(done)}${'.'.repeat(Math.max(0, 13 - done))}`, dl];
  });
  return `${view.deploymentId} ${view.status}  ${(elapsedMs / 1000).toFixed(1)}s  ${view.counts.Succeeded}/${view.hosts.length} succeeded\n${table(['HOST', 'PEER', 'STATUS', 'EVENT', 'PROGRESS', 'DOWNLOAD'], rows)}`;
}

function progressLine(view: DeploymentView): string {
  const hosts = view.hosts.map((h) => {
    const current = h.events[h.events.length - 1];
    return `${h.instanceName}=${current ? `${current.event}:${current.status}` : 'waiting'}`;
  });
  return `${view.deploymentId} ${view.status} [${view.counts.Succeeded}/${view.hosts.length} succeeded] ${hosts.join(' ')}`;
}
