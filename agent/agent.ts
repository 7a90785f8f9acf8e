// Wires one agent: identity, journal, libp2p node, intake of intents, the deployment runner, reports,
// heartbeats and the status/log/fetch servers. Components are built explicitly in dependency order.
import '../protocol/polyfills.ts';
import os from 'node:os';
import { access } from 'node:fs/promises';
import type { Logger } from 'pino';
import { TOPIC_INTENTS, TOPIC_CONTROL } from '../protocol/topics.ts';
import type { AgentConfig } from './config/config.ts';
import { createFleetNode, type FleetNode } from './network/node.ts';
import { loadOrCreateIdentity, hostSigner } from './state/identity.ts';
import { Journal, type DeploymentRecord } from './state/journal.ts';
import { admitIntent } from './intake/intent-gate.ts';
import { AgentLayout } from './lifecycle/layout.ts';
import { runDeployment } from './lifecycle/run-deployment.ts';
import { stepFor } from './lifecycle/steps.ts';
import { createReporter, type Reporter } from './reporting/reporter.ts';
import { startHeartbeats, type HeartbeatControl } from './reporting/heartbeat.ts';
import { serveStatus } from './reporting/status-server.ts';
import { seedFetchSource } from './fetch/seed-fetch.ts';
import { serveBundles } from './fetch/seed-server.ts';
import type { FetchProgress } from './fetch/revision-source.ts';

export const AGENT_VERSION = '0.1.0';

export interface Agent {
  readonly peerId: string;
  readonly node: FleetNode;
  readonly journal: Journal;
  /** Feeds raw gossip bytes in as if they had arrived on the intent topic (in-process tests). */
  inject(topic: string, data: Uint8Array): void;
  /** Resolves when no deployment is running. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAgent(config: AgentConfig, logger: Logger): Promise<Agent> {
  const privateKey = await loadOrCreateIdentity(config.rootDir);
  const signer = hostSigner(privateKey);
  const journal = await Journal.open(config.rootDir);
  const layout = new AgentLayout(config.rootDir);
  const node = await createFleetNode({ privateKey, listen: config.listen, bootstrap: config.bootstrap, sharedAddresses: config.sharedAddresses });
  const log = logger.child({ peerId: signer.id });
  const gossip = async (topic: string, data: Uint8Array): Promise<void> => { await node.services.pubsub.publish(topic, data); };
  const reporter: Reporter = createReporter({ journal, signer, gossip, logger: log });
  const trusted = new Set(config.trustedCoordinators);
  const abort = new AbortController();
  let queue: Promise<void> = Promise.resolve();
  let heartbeats: HeartbeatControl | undefined;

  const run = (record: DeploymentRecord): void => {
    // Deployments on one host run one at a time, in arrival order (CodeDeploy: one per group at a time).
    queue = queue.then(() => runDeployment(record, {
      journal, layout, reporter, logger: log, now: Date.now, steps: stepFor,
      stepContext: {
        layout, journal, now: Date.now,
        revisionSource: seedFetchSource(node),
        hostEnv: hostEnv(signer.id, config),
        ...(config.destinationRoot !== undefined ? { destinationRoot: config.destinationRoot } : {}),
        runAsAllowed: process.getuid?.() === 0,
        maxRevisions: config.maxRevisions,
        warn: (message, err) => log.warn({ err }, message),
        onDownloadProgress: progressLogger(log),
      },
    }, abort.signal)).catch((err: unknown) => log.error({ err }, 'deployment runner failed')).finally(() => heartbeats?.beat());
  };

  const onIntent = (data: Uint8Array): void => {
    const verdict = admitIntent(data, {
      trustedCoordinators: trusted, selfPeerId: signer.id, now: Date.now(),
      hasSeen: (id) => journal.hasSeen(id), lastSequence: (g) => journal.lastSequence(g),
    });
    if (!verdict.accept) {
      log[verdict.quiet ? 'debug' : 'warn']({ reason: verdict.reason, deploymentId: verdict.deploymentId }, 'intent rejected');
      return;
    }
    log.info({ deploymentId: verdict.intent.deploymentId, revision: verdict.intent.revision.sha256 }, 'intent accepted');
    journal.accept(verdict.intent, verdict.envelope, Date.now()).then(run, (err: unknown) => log.error({ err }, 'cannot journal intent'));
  };

  const inject = (topic: string, data: Uint8Array): void => {
    if (topic === TOPIC_INTENTS) onIntent(data);
  };
  node.services.pubsub.addEventListener('message', (evt) => inject(evt.detail.topic, evt.detail.data));
  node.services.pubsub.subscribe(TOPIC_INTENTS);
  node.services.pubsub.subscribe(TOPIC_CONTROL);

  const onServeError = (err: unknown, peer: string): void => log.debug({ err, peer }, 'stream request failed');
  await serveStatus(node, journal, layout, onServeError);
  // Hosts serve the bundles they hold, so other hosts can fetch from them too.
  await serveBundles(node, async (sha) => heldBundle(journal, layout, sha), onServeError);

  heartbeats = startHeartbeats(
    { instanceName: config.instanceName ?? signer.id, tags: config.tags, agentVersion: AGENT_VERSION, runtime: runtimeName(), intervalMs: config.heartbeatIntervalMs },
    { journal, signer, gossip, logger: log, now: Date.now, addrs: () => node.getMultiaddrs().map((a) => a.toString()) },
  );
  for (const record of journal.unfinished()) run(record);
  log.info({ addrs: node.getMultiaddrs().map((a) => a.toString()), tags: config.tags }, 'agent started');

  return {
    peerId: signer.id, node, journal, inject,
    idle: () => queue,
    async stop() {
      heartbeats?.stop();
      abort.abort(new Error('agent stopping'));
      await queue;
      await node.stop();
    },
  };
}

function hostEnv(peerId: string, config: AgentConfig): Record<string, string> {
  const env: Record<string, string> = { CONVOY_HOST: peerId, CONVOY_INSTANCE_NAME: config.instanceName ?? peerId, CONVOY_HOSTNAME: os.hostname() };
  if (config.destinationRoot !== undefined) env.CONVOY_DESTINATION_ROOT = config.destinationRoot;
  return env;
}

async function heldBundle(journal: Journal, layout: AgentLayout, sha256: string): Promise<string | undefined> {
  for (const record of Object.values(journal.snapshot.deployments)) {
    const done = record.events.some((e) => e.event === 'DownloadBundle' && e.state === 'done' && e.status === 'Succeeded');
    if (!done || record.intent.revision.sha256 !== sha256) continue;
    const file = layout.deployment(record.intent).bundle;
    // Old deployment dirs are pruned (max_revisions): serve only bundles still on disk.
    if (await access(file).then(() => true, () => false)) return file;
  }
  return undefined;
}

function progressLogger(log: Logger): (id: string, p: FetchProgress) => void {
  let last = 0;
  return (deploymentId, p) => {
    if (p.bytes === p.total || p.bytes - last >= 16 * 1024 * 1024) {
      last = p.bytes;
      log.debug({ deploymentId, bytes: p.bytes, total: p.total }, 'download progress');
    }
  };
}

export function runtimeName(): string {
  const deno = (globalThis as { Deno?: { version?: { deno?: string } } }).Deno;
  return deno?.version?.deno ? `deno ${deno.version.deno}` : `node ${process.versions.node}`;
}
