// Wires one agent: identity, journal, libp2p node, intake of intents, the deployment runner, reports,
// heartbeats and the status/log/fetch servers. Components are built explicitly in dependency order.
import '../protocol/polyfills.ts';
import os from 'node:os';
import path from 'node:path';
import { BundleCache } from './fetch/bundle-cache.ts';
import { access } from 'node:fs/promises';
import type { Logger } from 'pino';
import { TOPIC_INTENTS, TOPIC_CONTROL, TOPIC_HEARTBEATS, TOPIC_REPORTS } from '../protocol/topics.ts';
import { peerIdFromString } from '@libp2p/peer-id';
import { openEnvelope } from '../protocol/signing/envelope.ts';
import { decodeControl } from '../protocol/messages/control.ts';
import { decodeHeartbeat } from '../protocol/messages/heartbeat.ts';
import type { HostStatus } from '../protocol/messages/report.ts';
import { RolloutManager } from './rollout/rollout-manager.ts';
import { SlotTransport } from './rollout/slot-transport.ts';
import { rememberAddrs } from './network/addresses.ts';
import type { AgentConfig } from './config/config.ts';
import { createFleetNode, type FleetNode } from './network/node.ts';
import { keepBootstrapConnected } from './network/bootstrap-keeper.ts';
import { AddressBook } from './network/address-book.ts';
import { keepMeshConnected } from './network/mesh-keeper.ts';
import { loadOrCreateIdentity, hostSigner } from './state/identity.ts';
import { Journal, type DeploymentRecord } from './state/journal.ts';
import { admitIntent } from './intake/intent-gate.ts';
import { AgentLayout } from './lifecycle/layout.ts';
import { runDeployment } from './lifecycle/run-deployment.ts';
import { stepFor } from './lifecycle/steps.ts';
import { BundleStager } from './lifecycle/staging.ts';
import { loadAppSpec } from './lifecycle/appspec-loader.ts';
import { extractBundle } from './archive/index.ts';
import { createReporter, type Reporter } from './reporting/reporter.ts';
import { ReportOutbox } from './reporting/outbox.ts';
import { StandbyLauncher } from './hooks/launcher.ts';
import { startHeartbeats, type HeartbeatControl } from './reporting/heartbeat.ts';
import { serveStatus } from './reporting/status-server.ts';
import { serveBundles } from './fetch/seed-server.ts';
import type { FetchProgress } from './fetch/revision-source.ts';
import { AgentSwarm } from './swarm/swarm.ts';
import { swarmSource } from './swarm/swarm-source.ts';

export const AGENT_VERSION = '0.1.0';

export interface Agent {
  readonly peerId: string;
  readonly node: FleetNode;
  readonly journal: Journal;
  /** Feeds raw gossip bytes in as if they had arrived on the intent topic (in-process tests). */
  inject(topic: string, data: Uint8Array): void;
  stop(): Promise<void>;
}

export async function startAgent(config: AgentConfig, logger: Logger): Promise<Agent> {
  const privateKey = await loadOrCreateIdentity(config.rootDir);
  const signer = hostSigner(privateKey);
  const journal = await Journal.open(config.rootDir);
  const layout = new AgentLayout(config.rootDir);
  const node = await createFleetNode({ privateKey, listen: config.listen, bootstrap: config.bootstrap, sharedAddresses: config.sharedAddresses });
  const log = logger.child({ peerId: signer.id });
  const bootstrapKeeper = keepBootstrapConnected(node, config.bootstrap, { log: (level, obj, msg) => log[level](obj, msg) });
  const book = await AddressBook.load(path.join(config.rootDir, 'state', 'peers.json'), (reason) => log.warn({ reason }, 'fleet address book ignored; starting with an empty one'));
  const meshKeeper = await keepMeshConnected(node, book, { selfId: signer.id, hubConnected: () => bootstrapKeeper.anyConnected(), log: (level, obj, msg) => log[level](obj, msg) });
  if (journal.missingRecords.length > 0) log.warn({ deployments: journal.missingRecords }, 'finished deployments whose journal records are missing: their status is no longer answered');
  const swarm = await AgentSwarm.start(node, signer.id, config, log);
  const publishProgress = swarm.progressPublisher(signer);
  const logProgress = progressLogger(log);
  const revisionSource = swarmSource(swarm, {
    targetsOf: (sha) => Object.values(journal.snapshot.deployments).filter((r) => r.intent.revision.sha256 === sha).flatMap((r) => r.intent.targets),
  });
  const bundles = new BundleCache(path.join(config.rootDir, 'bundles'), revisionSource, config.maxRevisions);
  // A bad bundle fails in DownloadBundle, which unpacks it again and reports why; staging only logs.
  // Its appspec is parsed there too: DownloadBundle checks it, and a cold parse cost 8 ms on the hand-over path.
  const staged = new BundleStager(
    (deploymentId, err) => log.debug({ deploymentId, reason: (err as Error).message }, 'bundle not staged ahead'),
    extractBundle,
    (tree, target) => loadAppSpec(tree, target.appspecFileName),
  );
  const gossip = async (topic: string, data: Uint8Array): Promise<void> => { await node.services.pubsub.publish(topic, data); };
  const outbox = new ReportOutbox({ publish: (data) => gossip(TOPIC_REPORTS, data), logger: log, delayMs: config.reportBatchMs });
  const reporter: Reporter = createReporter({ journal, signer, send: (envelopes, final) => outbox.add(envelopes, final) });
  // One standby shell forked ahead for the next hook, half a second after the last launch (launcher.ts).
  const launcher = new StandbyLauncher({ refillAfterMs: 500 });
  const trusted = new Set(config.trustedCoordinators);
  const abort = new AbortController();
  let queue: Promise<void> = Promise.resolve();
  let heartbeats: HeartbeatControl | undefined;

  const runLifecycle = (record: DeploymentRecord, signal: AbortSignal): Promise<HostStatus> => {
    // Lifecycles on one host run one at a time, in grant order (CodeDeploy: one per group at a time).
    const done = queue.then(() => runDeployment(record, {
      journal, layout, reporter, logger: log, now: Date.now, steps: stepFor,
      stepContext: {
        layout, journal, now: Date.now,
        bundles, staged,
        hostEnv: hostEnv(signer.id, config),
        ...(config.destinationRoot !== undefined ? { destinationRoot: config.destinationRoot } : {}),
        runAsAllowed: process.getuid?.() === 0,
        launcher,
        maxRevisions: config.maxRevisions,
        warn: (message, err) => log.warn({ err }, message),
        onDownloadProgress: (id, p) => { logProgress(id, p); publishProgress(id, p); },
      },
    }, AbortSignal.any([abort.signal, signal]))).finally(() => staged.forget(record.intent.deploymentId));
    queue = done.catch((err: unknown) => log.error({ err }, 'deployment runner failed'));
    return done.then(() => journal.deployment(record.intent.deploymentId)?.status ?? 'Failed');
  };
  const rollout = new RolloutManager({
    self: signer.id, rootDir: config.rootDir, journal, reporter, logger: log, runLifecycle,
    transport: new SlotTransport(node, log), random: Math.random,
    // Observers see the fleet's new state (installed revisions, last outcome) as soon as a rollout ends.
    // Not when this host's own lifecycle ends: that is the moment the next host takes the slot, and N
    // hosts verifying a heartbeat then slowed every hand-over (docs/quorum.md §7a).
    onRolloutFinal: () => heartbeats?.beat(),
  });

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
    const intent = verdict.intent;
    // Fetch while waiting for a slot: a host granted later finds the bytes here, coordinator or not.
    const fetched = bundles.ensure(intent.revision, (p) => { logProgress(intent.deploymentId, p); publishProgress(intent.deploymentId, p); }, abort.signal, { peers: intent.targets, deadline: intent.expiresAt });
    fetched.catch((err: unknown) => log.warn({ deploymentId: intent.deploymentId, reason: (err as Error).message }, 'prefetch failed; DownloadBundle will retry'));
    const accepted = journal.accept(verdict.intent, verdict.envelope, Date.now());
    accepted.then((record) => rollout.admit(record)).catch((err: unknown) => log.error({ err }, 'cannot journal intent'));
    // Unpack ahead too, so DownloadBundle on the hand-over path is a rename. Not for a deployment this host
    // has already begun (a restart) or finished.
    Promise.all([fetched, accepted]).then(([file]) => {
      const record = journal.deployment(intent.deploymentId);
      if (record === undefined || record.status !== 'Pending' || record.events.length > 0) return;
      staged.stage({
        deploymentId: intent.deploymentId, paths: layout.deployment(intent), bundleType: intent.revision.bundleType,
        ...(intent.appspecFileName !== undefined ? { appspecFileName: intent.appspecFileName } : {}),
      }, file);
    }, () => undefined);
  };

  const onControl = (data: Uint8Array): void => {
    try {
      const opened = openEnvelope(data, 'control');
      if (!trusted.has(opened.signer)) throw new Error(`control command signed by untrusted key "${opened.signer}"`);
      const cmd = decodeControl(opened.payload);
      log.info({ command: cmd.command, deploymentId: cmd.deploymentId }, 'control command');
      void rollout.control(cmd);
    } catch (err) {
      log.warn({ reason: (err as Error).message }, 'control command rejected');
    }
  };

  // Hosts find each other's addresses in heartbeats, so they can talk directly without the coordinator.
  // Verified once here for both users; the peer store is written only when a host's addresses change.
  // Every host hears every other host's heartbeats (O(N²) in the fleet), so one published by its own
  // signer is not verified twice: gossipsub already checked that peer's signature over these bytes.
  const onHeartbeat = (data: Uint8Array, from?: string): void => {
    try {
      const opened = openEnvelope(data, 'heartbeat', from === undefined ? {} : { authenticatedSigner: from });
      const hb = decodeHeartbeat(opened.payload);
      if (opened.signer !== hb.host || hb.host === signer.id) return;
      swarm.noteHeartbeat(hb);
      book.heard(hb.host, hb.addrs, Date.now());
      rememberAddrs(node, peerIdFromString(hb.host), hb.addrs).catch(() => undefined);
    } catch (err) {
      log.debug({ reason: (err as Error).message }, 'heartbeat ignored');
    }
  };

  const inject = (topic: string, data: Uint8Array, from?: string): void => {
    if (topic === TOPIC_INTENTS) onIntent(data);
    else if (topic === TOPIC_CONTROL) onControl(data);
    else if (topic === TOPIC_HEARTBEATS) onHeartbeat(data, from);
  };
  node.services.pubsub.addEventListener('message', (evt) => {
    const msg = evt.detail;
    // StrictSign: a 'signed' message's author is `from`, checked by gossipsub before delivery.
    inject(msg.topic, msg.data, msg.type === 'signed' ? msg.from.toString() : undefined);
  });
  node.services.pubsub.subscribe(TOPIC_INTENTS);
  node.services.pubsub.subscribe(TOPIC_CONTROL);
  node.services.pubsub.subscribe(TOPIC_HEARTBEATS);

  const onServeError = (err: unknown, peer: string): void => log.debug({ err, peer }, 'stream request failed');
  await serveStatus(node, journal, layout, onServeError);
  // Hosts serve the bundles they hold, so other hosts can fetch from them too.
  await serveBundles(node, async (sha) => (await bundles.locate(sha)) ?? heldBundle(journal, layout, sha), onServeError);

  heartbeats = startHeartbeats(
    { instanceName: config.instanceName ?? signer.id, tags: config.tags, agentVersion: AGENT_VERSION, runtime: runtimeName(), intervalMs: config.heartbeatIntervalMs },
    { journal, signer, gossip, logger: log, now: Date.now, addrs: () => node.getMultiaddrs().map((a) => a.toString()) },
  );
  await rollout.start();
  log.info({ addrs: node.getMultiaddrs().map((a) => a.toString()), tags: config.tags }, 'agent started');

  return {
    peerId: signer.id, node, journal, inject: (topic, data) => inject(topic, data),
    async stop() {
      bootstrapKeeper.stop();
      await meshKeeper.stop();
      heartbeats?.stop();
      rollout.close();
      abort.abort(new Error('agent stopping'));
      await queue;
      await outbox.close();
      launcher.close();
      await swarm.stop();
      await node.stop();
      await journal.close();
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
