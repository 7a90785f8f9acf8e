// Test wiring: fake AWS endpoint, real SDK clients pointed at it, a file store in a temp dir, the hook
// gateway behind its node:http adapter (hooks answer through the real CodeDeploy SDK client), a virtual clock.

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ecsPlugin, type EcsPluginInit } from '../../coordinator/plugins/ecs/index.ts';
import { createHookGateway, createHookStatusHandler, type HookGateway } from '../../coordinator/plugins/hooks.ts';
import { lambdaPlugin, type LambdaPluginInit } from '../../coordinator/plugins/lambda/index.ts';
import { FilePluginDeploymentStore } from '../../coordinator/plugins/store.ts';
import type { ComputePlatform, PlatformEvent, PluginLogger } from '../../coordinator/plugins/types.ts';
import { FakeAws } from '../aws-fake/server.ts';
import { FakeClock } from './fake-clock.ts';

export const silentLogger: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };

export type HookBehaviour = 'Succeeded' | 'Failed' | 'silent';

export class Harness {
  readonly clock = new FakeClock();
  readonly fake = new FakeAws({ now: () => this.clock.now() });
  dir = '';
  store!: FilePluginDeploymentStore;
  gateway!: HookGateway;
  private hookServer: Server | undefined;
  private codedeploy!: CodeDeployClient;
  readonly hookInvocations: Array<{ fn: string; payload: unknown }> = [];

  static async create(): Promise<Harness> {
    const h = new Harness();
    await h.fake.start();
    h.dir = await mkdtemp(join(tmpdir(), 'convoy-plugins-'));
    h.store = new FilePluginDeploymentStore(h.dir);
    h.gateway = createHookGateway({ store: h.store });
    h.hookServer = createServer((req, res) => createHookStatusHandler(h.gateway)(req, res));
    await new Promise<void>((resolve) => h.hookServer!.listen(0, '127.0.0.1', resolve));
    const { port } = h.hookServer.address() as AddressInfo;
    h.codedeploy = new CodeDeployClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' } });
    return h;
  }

  /** Simulates a coordinator restart: a new store object and gateway over the same directory. */
  restart(): void {
    this.store = new FilePluginDeploymentStore(this.dir);
    this.gateway = createHookGateway({ store: this.store });
  }

  clients() {
    const cfg = this.fake.clientConfig();
    return {
      lambda: new LambdaClient(cfg),
      cloudwatch: new CloudWatchClient(cfg),
      ecs: new ECSClient(cfg),
      elbv2: new ElasticLoadBalancingV2Client(cfg),
    };
  }

  lambdaPlatform(init: LambdaPluginInit = {}): ComputePlatform {
    const c = this.clients();
    return lambdaPlugin.create(init)({ lambda: c.lambda, cloudwatch: c.cloudwatch, store: this.store, clock: this.clock, logger: silentLogger, hooks: this.gateway });
  }

  ecsPlatform(init: EcsPluginInit = {}): ComputePlatform {
    return ecsPlugin.create(init)({ ...this.clients(), store: this.store, clock: this.clock, logger: silentLogger, hooks: this.gateway });
  }

  /** Registers a hook function that answers through PutLifecycleEventHookExecutionStatus (or stays silent). */
  hook(fn: string, behaviour: HookBehaviour): void {
    if (!this.fake.lambda.functions.has(fn)) this.fake.lambda.addFunction(fn, ['1']);
    this.fake.lambda.invokeHandlers.set(fn, async (payload) => {
      this.hookInvocations.push({ fn, payload });
      if (behaviour === 'silent') return;
      const p = payload as { DeploymentId: string; LifecycleEventHookExecutionId: string };
      await this.codedeploy.send(
        new PutLifecycleEventHookExecutionStatusCommand({ deploymentId: p.DeploymentId, lifecycleEventHookExecutionId: p.LifecycleEventHookExecutionId, status: behaviour }),
      );
    });
  }

  /** Records events and runs `onEvent` for each (e.g. to stop or crash at a given point). */
  watch(platform: ComputePlatform, onEvent?: (e: PlatformEvent) => void): PlatformEvent[] {
    const events: PlatformEvent[] = [];
    platform.subscribe((e) => {
      events.push(e);
      onEvent?.(e);
    });
    return events;
  }

  async close(): Promise<void> {
    await this.fake.close();
    const server = this.hookServer;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
