// The coordinator's side of the Lambda/ECS plugins: one registry, one durable store and one hook gateway per
// daemon. It validates and starts deployments in the background, resumes the in-progress ones at start (so a
// canary interrupted by a restart finishes), suspends them at shutdown, stops them on request, and bridges hook
// verdicts from the CodeDeploy endpoint (PutLifecycleEventHookExecutionStatus) to the gateway.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { writeFileDurable } from '../../agent/state/durable-file.ts';
import { onHookStatus } from '../codedeploy/hook-status.ts';
import { CodeDeployError } from '../codedeploy/errors.ts';
import { RequestError, newDeploymentId } from '../daemon/create-deployment.ts';
import type { DeploymentView } from '../status/deployment-view.ts';
import { systemClock } from '../plugins/clock.ts';
import { ecsPlugin } from '../plugins/ecs/index.ts';
import { PluginError } from '../plugins/errors.ts';
import { createHookGateway, type HookGateway } from '../plugins/hooks.ts';
import { lambdaPlugin } from '../plugins/lambda/index.ts';
import { PluginRegistry } from '../plugins/registry.ts';
import { ECS_PREDEFINED_CONFIGS, LAMBDA_PREDEFINED_CONFIGS, resolveDeploymentConfig } from '../plugins/schedule.ts';
import { FilePluginDeploymentStore } from '../plugins/store.ts';
import type { Clock, ComputePlatform, DeploymentRecord, DeploymentRequest, DeploymentResult, PlatformEvent, TrafficRoutingConfig } from '../plugins/types.ts';
import { createAwsClients, destroyAwsClients, type AwsClients } from './aws-config.ts';
import type { AwsSection } from './aws-schema.ts';
import { PlatformCreateSchema, type PlatformMeta, type PlatformName } from './request.ts';
import { platformView } from './view.ts';

export interface PlatformServiceOptions {
  readonly dataDir: string;
  readonly aws?: AwsSection | undefined;
  readonly logger: Logger;
  /** Tests only: a virtual clock for the plugins (schedules, hook timeouts, alarm polls). Default: the system clock. */
  readonly clock?: Clock | undefined;
  /** Custom configs made with CreateDeploymentConfig (`computePlatform` Lambda/ECS with a trafficRoutingConfig). */
  readonly customConfig?: (name: string) => { computePlatform: string; trafficRoutingConfig?: unknown } | undefined;
}

const recordsDir = (dataDir: string): string => path.join(dataDir, 'platforms', 'records');
const metaFile = (dataDir: string, id: string): string => path.join(dataDir, 'platforms', 'meta', `${id}.json`);
const ID = /^d-[A-Z0-9]{9}$/;

async function readMeta(dataDir: string, id: string): Promise<PlatformMeta | undefined> {
  try {
    return JSON.parse(await readFile(metaFile(dataDir, id), 'utf8')) as PlatformMeta;
  } catch {
    return undefined;
  }
}

/** Reads a Lambda/ECS deployment straight from disk (for `deploy get` while the daemon is down). */
export async function readPlatformView(dataDir: string, id: string): Promise<DeploymentView | undefined> {
  if (!ID.test(id)) return undefined;
  const record = await new FilePluginDeploymentStore(recordsDir(dataDir)).load(id).catch(() => undefined);
  return record === undefined ? undefined : platformView(record, await readMeta(dataDir, id));
}

export class PlatformService {
  readonly registry = new PluginRegistry();
  readonly store: FilePluginDeploymentStore;
  readonly gateway: HookGateway;
  readonly #opts: PlatformServiceOptions;
  readonly #log: Logger;
  readonly #clients: AwsClients;
  readonly #suspend = new AbortController();
  readonly #runs = new Map<string, Promise<unknown>>();
  readonly #offHooks: () => void;

  private constructor(opts: PlatformServiceOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ component: 'platforms' });
    this.store = new FilePluginDeploymentStore(recordsDir(opts.dataDir));
    this.gateway = createHookGateway({ store: this.store });
    this.#clients = createAwsClients(opts.aws);
    const common = { lambda: this.#clients.lambda, cloudwatch: this.#clients.cloudwatch, store: this.store, clock: opts.clock ?? systemClock, logger: this.#log, hooks: this.gateway };
    this.registry.register(lambdaPlugin, { ...opts.aws?.lambda }, common);
    this.registry.register(ecsPlugin, { ...opts.aws?.ecs }, { ...common, ecs: this.#clients.ecs, elbv2: this.#clients.elbv2 });
    // The only path for hook verdicts: the CodeDeploy endpoint (SigV4-checked) hands them to this gateway.
    this.#offHooks = onHookStatus(async (event) => {
      if (!ID.test(event.deploymentId) || (await this.store.load(event.deploymentId).catch(() => undefined)) === undefined) return false;
      const answer = await this.gateway.handleHookStatus({ deploymentId: event.deploymentId, lifecycleEventHookExecutionId: event.lifecycleEventHookExecutionId, status: event.status });
      if (answer.statusCode === 200) return true;
      throw new CodeDeployError(answer.body.__type ?? 'InternalFailure', answer.body.message ?? 'hook verdict refused', answer.statusCode >= 500 ? 500 : 400);
    });
  }

  /** Builds the platforms and resumes every deployment a previous run left InProgress. */
  static async start(opts: PlatformServiceOptions): Promise<PlatformService> {
    const service = new PlatformService(opts);
    for (const id of await service.store.list()) {
      const record = await service.store.load(id).catch((err: unknown) => { service.#log.error({ err, deploymentId: id }, 'unreadable deployment record'); return undefined; });
      if (record?.status !== 'InProgress') continue;
      if (!service.registry.has(record.platform)) {
        service.#log.error({ deploymentId: id, platform: record.platform }, 'no plugin for an in-progress deployment; left as is');
        continue;
      }
      service.#log.info({ deploymentId: id, phase: record.cursor.phase, step: record.cursor.step }, 'resuming deployment');
      service.#track(id, service.registry.get(record.platform).resume(id, service.#suspend.signal));
    }
    return service;
  }

  subscribe(listener: (event: PlatformEvent) => void): () => void {
    const offs = this.registry.names().map((n) => this.registry.get(n).subscribe(listener));
    return () => offs.forEach((off) => off());
  }

  /** Validates, stores and starts a deployment; resolves once it runs (its outcome is in `view`). */
  async create(body: unknown, idTaken: (id: string) => Promise<boolean>): Promise<{ deploymentId: string; computePlatform: PlatformName }> {
    const parsed = PlatformCreateSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RequestError(`Invalid ${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`);
    }
    const req = parsed.data;
    const platform = this.registry.forComputePlatform(req.computePlatform);
    if (platform === undefined) throw new RequestError(`No plugin for compute platform ${req.computePlatform}`);
    const checked = platform.validate(req.appspec);
    if (!checked.ok) throw new RequestError(`Invalid AppSpec at ${checked.error.key}: ${checked.error.message}`);
    let id = newDeploymentId();
    while ((await idTaken(id)) || (await this.store.load(id)) !== undefined) id = newDeploymentId();
    const deploymentConfig = this.#resolveConfig(req.computePlatform, req.deploymentConfig);
    const request: DeploymentRequest = {
      id,
      appspec: req.appspec,
      ...(deploymentConfig !== undefined ? { deploymentConfig } : {}),
      ...(req.alarmConfiguration !== undefined ? { alarmConfiguration: req.alarmConfiguration } : {}),
      ...(req.autoRollback !== undefined ? { autoRollback: req.autoRollback } : {}),
      ...(req.target !== undefined ? { target: req.target } : {}),
    };
    const s = checked.summary as Record<string, unknown>;
    const t = (req.target ?? {}) as Record<string, unknown>;
    const lambda = req.computePlatform === 'Lambda';
    const meta: PlatformMeta = {
      computePlatform: req.computePlatform,
      application: req.application ?? String((lambda ? s['functionName'] : t['service']) ?? '-'),
      deploymentGroup: req.deploymentGroup ?? String((lambda ? s['alias'] : t['cluster']) ?? '-'),
      revision: lambda ? `${String(s['functionName'])}:${String(s['targetVersion'])}` : String(s['taskDefinition'] ?? '-'),
      target: lambda ? `${String(s['functionName'])}:${String(s['alias'])}` : `${String(t['cluster'] ?? '?')}/${String(t['service'] ?? '?')}`,
      config: typeof req.deploymentConfig === 'string' ? req.deploymentConfig
        : req.deploymentConfig !== undefined ? `Custom(${JSON.stringify(req.deploymentConfig)})` : `CodeDeployDefault.${req.computePlatform}AllAtOnce`,
      ...(req.description !== undefined ? { description: req.description } : {}),
    };
    await writeFileDurable(metaFile(this.#opts.dataDir, id), JSON.stringify(meta), 0o600);
    let off = (): void => undefined;
    const started = new Promise<void>((resolve) => {
      off = platform.subscribe((e) => { if (e.deploymentId === id && e.type === 'deployment:start') resolve(); });
    });
    try {
      const run = platform.deploy(request, this.#suspend.signal);
      await Promise.race([started, run]);
      this.#track(id, run);
    } catch (err) {
      await rm(metaFile(this.#opts.dataDir, id), { force: true });
      if (err instanceof PluginError) throw new RequestError(err.message);
      throw err;
    } finally {
      off();
    }
    this.#log.info({ deploymentId: id, computePlatform: req.computePlatform, target: meta.target, config: meta.config }, 'deployment started');
    return { deploymentId: id, computePlatform: req.computePlatform };
  }

  async has(id: string): Promise<boolean> {
    return ID.test(id) && (await this.store.load(id).catch(() => undefined)) !== undefined;
  }

  async view(id: string): Promise<DeploymentView | undefined> {
    if (!ID.test(id)) return undefined;
    const record = await this.store.load(id).catch(() => undefined);
    return record === undefined ? undefined : platformView(record, await readMeta(this.#opts.dataDir, id));
  }

  async list(): Promise<DeploymentView[]> {
    const records = await Promise.all((await this.store.list()).map((id) => this.store.load(id).catch(() => undefined)));
    const views = await Promise.all(records.filter((r): r is DeploymentRecord => r !== undefined)
      .map(async (r) => platformView(r, await readMeta(this.#opts.dataDir, r.id))));
    return views.sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Stops a running deployment. `rollback` overrides the deployment's autoRollback.onStopRequest (default true).
   * Returns at once; the deployment settles (and rolls back) in the background.
   */
  async stop(id: string, rollback: boolean | undefined): Promise<void> {
    const record = await this.store.load(id);
    if (record === undefined) throw new RequestError(`Deployment ${id} does not exist`);
    if (record.status !== 'InProgress') throw new RequestError(`Deployment ${id} already ended ${record.status}; nothing to stop`);
    const meta = await readMeta(this.#opts.dataDir, id);
    if (meta !== undefined) {
      meta.stopRequested = { at: Date.now(), ...(rollback !== undefined ? { rollback } : {}) };
      await writeFileDurable(metaFile(this.#opts.dataDir, id), JSON.stringify(meta), 0o600);
    }
    const platform = this.registry.get(record.platform);
    this.#log.info({ deploymentId: id, rollback: rollback ?? 'per autoRollback.onStopRequest' }, 'stop requested');
    this.#track(`${id}:stop`, platform.stop(id, rollback === undefined ? {} : { rollback }));
  }

  /** Suspends running deployments (traffic left as it is, state saved) for the next start to resume. */
  async close(): Promise<void> {
    this.#offHooks();
    this.#suspend.abort(new Error('coordinator shutting down'));
    await Promise.allSettled([...this.#runs.values()]);
    destroyAwsClients(this.#clients);
  }

  #track(key: string, run: Promise<DeploymentResult>): void {
    const p = run.then(
      (r) => this.#log.info({ deploymentId: r.id, status: r.status, error: r.error, rollback: r.rollback }, r.status === 'InProgress' ? 'deployment suspended' : 'deployment finished'),
      (err: unknown) => this.#log.error({ err, deploymentId: key }, 'deployment run failed'),
    ).finally(() => { if (this.#runs.get(key) === p) this.#runs.delete(key); });
    this.#runs.set(key, p);
  }

  #resolveConfig(platform: PlatformName, config: string | TrafficRoutingConfig | undefined): string | TrafficRoutingConfig | undefined {
    if (typeof config !== 'string') return config;
    try {
      resolveDeploymentConfig(config, platform === 'Lambda' ? LAMBDA_PREDEFINED_CONFIGS : ECS_PREDEFINED_CONFIGS, platform);
      return config;
    } catch (err) {
      const custom = this.#opts.customConfig?.(config);
      if (custom?.trafficRoutingConfig !== undefined && custom.computePlatform === platform) return custom.trafficRoutingConfig as TrafficRoutingConfig;
      throw new RequestError((err as Error).message);
    }
  }
}
