// The coordinator daemon (`convoy serve`): a light libp2p peer that seeds revisions from the revision
// store, publishes signed intents (and republishes them until they finish or expire, for hosts that join
// late), records every verified report and heartbeat durably, pulls reports it missed from the hosts
// themselves, and answers the CLI over a loopback HTTP API. The fleet does not need it once an intent is out.
import type { Logger } from 'pino';
import type { Server } from 'node:http';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { TOPIC_HEARTBEATS, TOPIC_INTENTS, TOPIC_REPORTS, TOPIC_CONTROL } from '../../protocol/topics.ts';
import { encodeEnvelope, seal, type Signer, type SignedEnvelope } from '../../protocol/signing/envelope.ts';
import { CONTROL_VERSION, type ControlCommand } from '../../protocol/messages/control.ts';
import { CodeDeployModel } from '../model/model-store.ts';
import { customConfigLookup } from './custom-configs.ts';
import { rollbackRequest } from './rollback.ts';
import { waitReplicated } from './replication.ts';
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';
import type { CoordinatorConfig } from '../config/config.ts';
import { loadCoordinatorKey } from '../config/keys.ts';
import { CoordinatorStore, type StoredDeployment } from '../store/store.ts';
import { createFleetNode, type FleetNode } from '../../agent/network/node.ts';
import { keepBootstrapConnected } from '../../agent/network/bootstrap-keeper.ts';
import { loadOrCreateIdentity } from '../../agent/state/identity.ts';
import { serveBundles } from '../../agent/fetch/seed-server.ts';
import { verifyHeartbeat } from './intake.ts';
import { ReportIntake } from './report-intake.ts';
import { pullReports } from './status-pull.ts';
import { buildDeploymentView, type DeploymentView } from '../status/deployment-view.ts';
import { createDeployment, describeUnheard, resolveTargets, RequestError, type CreateDeploymentRequest, type UnheardHost } from './create-deployment.ts';
import { startHttpApi } from './http-api.ts';
import { startCoordinatorSeeding } from '../swarm/seeder.ts';
import { ProgressBoard } from '../swarm/progress.ts';
import { PlatformService } from '../platforms/service.ts';
import type { Clock } from '../plugins/types.ts';

const REPUBLISH_INTERVAL_MS = 5000;
const RECONCILE_INTERVAL_MS = 2000;
const RECONNECT_INTERVAL_MS = 5000;

export interface CoordinatorDaemon {
  readonly peerId: string;
  readonly node: FleetNode;
  readonly store: CoordinatorStore;
  readonly apiUrl: string;
  /** Applications, groups, custom deployment configs, instances (shared with the CodeDeploy API). */
  readonly model: CodeDeployModel;
  view(id: string): Promise<DeploymentView | undefined>;
  /** Signs, stores and publishes a server deployment; `unheard` lists matching hosts left out (not heard lately). */
  create(req: CreateDeploymentRequest): Promise<{ intent: DeploymentIntent; unheard: UnheardHost[] }>;
  /** Lambda/ECS deployments (coordinator/platforms): the plugins' registry, store and hook gateway. */
  readonly platforms: PlatformService;
  /** Validates a Lambda/ECS request (PlatformCreateSchema) with its plugin, stores it and runs it in the background. */
  createPlatformDeployment(body: unknown): Promise<{ deploymentId: string; computePlatform: string }>;
  /**
   * Server: publishes a signed stop; with `rollback`, a rollback deployment follows once it is Stopped.
   * Lambda/ECS: stops the run; `rollback` overrides autoRollback.onStopRequest (undefined: the deployment's setting).
   */
  stopDeployment(id: string, rollback?: boolean): Promise<void>;
  /** Publishes a signed declare-dead: the slot `host` holds is freed and the host counts as failed. */
  declareDead(id: string, host: string): Promise<void>;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  /** Tests only: the clock of the Lambda/ECS plugins (a virtual clock runs a canary in milliseconds). */
  readonly platformClock?: Clock;
}

export async function startCoordinatorDaemon(config: CoordinatorConfig, logger: Logger, options: DaemonOptions = {}): Promise<CoordinatorDaemon> {
  const signer: Signer = await loadCoordinatorKey(config.keyFile);
  const store = await CoordinatorStore.open(config.dataDir);
  const model = await CodeDeployModel.open(config.dataDir);
  const privateKey = await loadOrCreateIdentity(config.dataDir);
  const node = await createFleetNode({ privateKey, listen: config.listen, bootstrap: config.bootstrap, sharedAddresses: config.sharedAddresses });
  const log = logger.child({ peerId: node.peerId.toString() });
  const bootstrapKeeper = keepBootstrapConnected(node, config.bootstrap, { log: (level, obj, msg) => log[level](obj, msg) });
  const intents = new Map<string, StoredDeployment>();
  for (const d of await store.listDeployments()) intents.set(d.intent.deploymentId, d);
  const progress = new ProgressBoard((id) => intents.get(id)?.intent);
  const platforms = await PlatformService.start({ dataDir: config.dataDir, aws: config.aws, logger: log, clock: options.platformClock, customConfig: (name) => model.customConfig(name) });

  /** Resolves to the number of peers the intent was sent to directly (gossip relays it further). */
  const publishIntent = async (envelope: SignedEnvelope): Promise<number> => {
    const { recipients } = await node.services.pubsub.publish(TOPIC_INTENTS, encodeEnvelope(envelope));
    return recipients.length;
  };
  /** Publishes a signed control command; resolves to the number of peers it was sent to directly. */
  const publishControl = async (cmd: ControlCommand): Promise<number> => {
    const { recipients } = await node.services.pubsub.publish(TOPIC_CONTROL, encodeEnvelope(seal('control', cmd, signer)));
    return recipients.length;
  };
  const maybeFinalize = async (id: string): Promise<void> => {
    const d = intents.get(id);
    if (d === undefined || d.finalStatus !== undefined) return;
    const view = buildDeploymentView(d, await store.reports(id), store.fleetEntries());
    if (view.status === 'Succeeded' || view.status === 'Failed' || view.status === 'Stopped') {
      d.finalStatus = view.status;
      d.completedAt = Date.now();
      await store.saveDeployment(d);
      log.info({ deploymentId: id, status: view.status }, 'deployment finished');
      void maybeRollBack(d);
    }
  };
  const reportIntake = new ReportIntake({ store, intentOf: (id) => intents.get(id)?.intent, logger: log, onNewReports: maybeFinalize });
  // Automatic rollback (CodeDeploy §7): a NEW deployment of the group's last successful revision.
  const maybeRollBack = async (d: StoredDeployment): Promise<void> => {
    const req = rollbackRequest(d, [...intents.values()]);
    if (req === undefined) return;
    try {
      const { intent } = await daemon.create(req);
      d.rolledBackBy = intent.deploymentId;
      await store.saveDeployment(d);
      log.info({ deploymentId: d.intent.deploymentId, rollback: intent.deploymentId }, 'rollback deployment created');
    } catch (err) {
      log.warn({ deploymentId: d.intent.deploymentId, reason: (err as Error).message }, 'rollback could not be created');
    }
  };

  node.services.pubsub.addEventListener('message', (evt) => {
    const { topic, data } = evt.detail;
    if (topic === TOPIC_REPORTS) {
      if (progress.offer(data)) return;
      void reportIntake.receive(data);
    } else if (topic === TOPIC_HEARTBEATS) {
      try {
        store.recordHeartbeat(verifyHeartbeat(data), Date.now());
      } catch (err) {
        log.warn({ reason: (err as Error).message }, 'heartbeat rejected');
      }
    }
  });
  for (const topic of [TOPIC_INTENTS, TOPIC_REPORTS, TOPIC_HEARTBEATS, TOPIC_CONTROL]) node.services.pubsub.subscribe(topic);
  await serveBundles(node, (sha) => store.locateBundle(sha), (err, peer) => log.debug({ err, peer }, 'bundle request failed'));
  await startCoordinatorSeeding(node, store, log);

  // Reports travel by gossip, which can lose them (no mesh yet, a restart): pull what is missing from
  // hosts whose heartbeat says they got further than what we hold.
  const reconcile = async (): Promise<void> => {
    for (const d of intents.values()) {
      if (d.finalStatus !== undefined) continue;
      const reports = await store.reports(d.intent.deploymentId);
      for (const entry of store.fleetEntries()) {
        const hb = entry.heartbeat;
        if (!d.intent.targets.includes(hb.host) || hb.lastDeployment?.deploymentId !== d.intent.deploymentId) continue;
        const latest = reports.filter((r) => r.report.host === hb.host).sort((a, b) => b.report.seq - a.report.seq)[0];
        if (latest?.report.hostStatus === hb.lastDeployment.status) continue;
        await pullReports(node, hb.host, hb.addrs, d.intent.deploymentId, (items) => reportIntake.record(items)).catch((err: unknown) =>
          log.debug({ err, host: hb.host }, 'status pull failed'));
      }
      await maybeFinalize(d.intent.deploymentId);
    }
    await store.flushFleet();
  };

  // A restarted coordinator knows the fleet only from fleet.json: dial the hosts it knew, so it hears
  // heartbeats and reports again as soon as it can (hosts redial their bootstrap peers too, with backoff).
  const reconnect = (): void => {
    const connected = new Set(node.getConnections().map((c) => c.remotePeer.toString()));
    for (const { heartbeat } of store.fleetEntries()) {
      if (connected.has(heartbeat.host) || heartbeat.addrs.length === 0) continue;
      node.peerStore.merge(peerIdFromString(heartbeat.host), { multiaddrs: heartbeat.addrs.map((a) => multiaddr(a)) })
        .then(() => node.dial(peerIdFromString(heartbeat.host), { signal: AbortSignal.timeout(5000) }))
        .catch(() => undefined);
    }
  };
  reconnect();
  const startedAt = Date.now();

  // Just after a start the coordinator has heard only some hosts again, and fleet.json's last-heard times may be
  // older than the alive window: its view of who is alive is complete one window after the start. Until then a
  // create that would leave matching hosts out waits for their heartbeats (hosts beat every few seconds, and
  // `reconnect` dials them), instead of freezing a target list that is short only because we just started.
  const settleFleetView = async (req: CreateDeploymentRequest): Promise<void> => {
    const settledAt = startedAt + config.aliveWindowMs;
    const unheard = (): number => resolveTargets(req, store.fleetEntries(), Date.now(), config.aliveWindowMs).unheard.length;
    const waiting = Date.now() < settledAt ? unheard() : 0;
    if (waiting === 0) return;
    log.info({ waitMs: settledAt - Date.now(), unheard: waiting }, 'coordinator just started: waiting for matching hosts to be heard before resolving targets');
    while (Date.now() < settledAt && unheard() > 0) await new Promise((r) => setTimeout(r, Math.min(100, settledAt - Date.now())));
  };

  const timers = [
    setInterval(reconnect, RECONNECT_INTERVAL_MS),
    setInterval(() => {
      const now = Date.now();
      for (const d of intents.values()) {
        if (d.finalStatus !== undefined || d.intent.expiresAt <= now) continue;
        publishIntent(d.intentEnvelope).catch(() => undefined);
        if (d.stopRequested) {
          publishControl({ type: 'control', v: CONTROL_VERSION, command: 'stop', deploymentId: d.intent.deploymentId, issuedAt: now })
            .then((peers) => log.debug({ deploymentId: d.intent.deploymentId, peers }, 'stop republished'), () => undefined);
        }
        for (const { host } of d.declaredDead ?? []) {
          publishControl({ type: 'control', v: CONTROL_VERSION, command: 'declare-dead', deploymentId: d.intent.deploymentId, host, issuedAt: now }).catch(() => undefined);
        }
      }
    }, REPUBLISH_INTERVAL_MS),
    setInterval(() => { reconcile().catch((err: unknown) => log.warn({ err }, 'reconcile failed')); }, RECONCILE_INTERVAL_MS),
  ];

  const daemon: CoordinatorDaemon = {
    peerId: node.peerId.toString(),
    node,
    store,
    model,
    apiUrl: '',
    async view(id) {
      const d = intents.get(id) ?? (await store.getDeployment(id));
      if (d === undefined) return platforms.view(id);
      return progress.decorate(buildDeploymentView(d, await store.reports(id), store.fleetEntries()));
    },
    async create(req) {
      await settleFleetView(req);
      const { intent, publish, unheard } = await createDeployment(req, {
        store, signer, now: Date.now(), aliveWindowMs: config.aliveWindowMs, intentTtlMs: config.intentTtlMs,
        seed: { peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map((a) => a.toString()) },
        customConfig: customConfigLookup(model),
      });
      const stored = (await store.getDeployment(intent.deploymentId))!;
      intents.set(intent.deploymentId, stored);
      if (unheard.length > 0) {
        // Targets are frozen now: a host not heard from (a restarted coordinator hears each anew) is left out.
        log.warn({
          deploymentId: intent.deploymentId, targets: intent.targets.length, aliveWindowMs: config.aliveWindowMs,
          unheard: unheard.map((f) => f.heartbeat.instanceName),
        }, `${unheard.length} matching host(s) not heard from within the alive window are not targets of this deployment`);
      }
      if (!publish) {
        log.warn({ deploymentId: intent.deploymentId, reason: stored.failureReason }, 'deployment failed at creation; nothing published');
        return { intent, unheard: describeUnheard(unheard) };
      }
      const peers = await publishIntent(stored.intentEnvelope);
      log.info({ deploymentId: intent.deploymentId, targets: intent.targets.length, config: intent.config.name, peers }, 'intent published');
      const addrsOf = (peer: string): readonly string[] => store.fleetEntries().find((f) => f.heartbeat.host === peer)?.heartbeat.addrs ?? [];
      const hopeless = async (): Promise<boolean> => {
        const view = await daemon.view(intent.deploymentId);
        return view === undefined || view.status === 'Failed' || view.status === 'Stopped'
          || view.hosts.every((h) => h.events.some((e) => e.event === 'DownloadBundle' && e.status === 'Failed'));
      };
      const holders = await waitReplicated(node, intent, addrsOf, config.replicationTimeoutMs, hopeless);
      if (holders.length === 0) log.warn({ deploymentId: intent.deploymentId }, 'no target holds the revision yet: the fleet still needs this coordinator to seed it');
      else log.info({ deploymentId: intent.deploymentId, holders: holders.length }, 'revision replicated on the fleet');
      return { intent, unheard: describeUnheard(unheard) };
    },
    platforms,
    createPlatformDeployment: (body) => platforms.create(body, async (id) => intents.has(id) || (await store.getDeployment(id)) !== undefined),
    async stopDeployment(id, rollbackArg) {
      const d = intents.get(id);
      if (d === undefined && (await platforms.has(id))) return platforms.stop(id, rollbackArg);
      const rollback = rollbackArg === true;
      if (d === undefined) throw new RequestError(`Deployment ${id} does not exist`);
      if (d.finalStatus !== undefined) throw new RequestError(`Deployment ${id} already ended ${d.finalStatus}; nothing to stop`);
      d.stopRequested = { at: Date.now(), rollback };
      await store.saveDeployment(d);
      const peers = await publishControl({ type: 'control', v: CONTROL_VERSION, command: 'stop', deploymentId: id, issuedAt: Date.now() });
      // Gossip relays it to hosts not connected to the coordinator; with no peer at all it waits for the republish.
      log[peers === 0 ? 'warn' : 'info']({ deploymentId: id, rollback, peers }, peers === 0 ? 'stop published to no peer yet; it is republished until the deployment ends' : 'stop published');
    },
    async declareDead(id, host) {
      const d = intents.get(id);
      if (d === undefined) throw new RequestError(`Deployment ${id} does not exist`);
      if (!d.intent.targets.includes(host)) throw new RequestError(`Host ${host} is not a target of ${id}`);
      if (d.finalStatus !== undefined) throw new RequestError(`Deployment ${id} already ended ${d.finalStatus}; no slot to free`);
      // Kept, so the view counts the host failed (it will never report again) and the command is republished.
      if (!(d.declaredDead ?? []).some((x) => x.host === host)) {
        d.declaredDead = [...(d.declaredDead ?? []), { host, at: Date.now() }];
        await store.saveDeployment(d);
      }
      await publishControl({ type: 'control', v: CONTROL_VERSION, command: 'declare-dead', deploymentId: id, host, issuedAt: Date.now() });
      log.warn({ deploymentId: id, host }, 'host declared dead by the operator');
      await maybeFinalize(id);
    },
    stop: () => stopAll(server),
  };
  const stopAll = async (api: Server | undefined): Promise<void> => {
    await platforms.close();
    for (const t of timers) clearInterval(t);
    bootstrapKeeper.stop();
    if (api !== undefined) await new Promise<void>((resolve) => api.close(() => resolve()));
    await store.flushFleet();
    await node.stop();
  };
  let started: Awaited<ReturnType<typeof startHttpApi>>;
  try {
    started = await startHttpApi(daemon, config, log);
  } catch (err) {
    // The API port is taken (or the host refused it): leave nothing running, so the process exits with the error.
    await stopAll(undefined).catch(() => undefined);
    throw err;
  }
  const { server, url } = started;
  (daemon as { apiUrl: string }).apiUrl = url;
  log.info({ api: url, addrs: node.getMultiaddrs().map((a) => a.toString()), coordinatorKey: signer.id }, 'coordinator started');
  return daemon;
}

export type { Server };
