// An in-process coordinator daemon whose Lambda/ECS plugins call the fake AWS endpoint (test/aws-fake) through
// coordinator.yaml's `aws` section and run on a virtual clock; hooks answer through the coordinator's
// CodeDeploy endpoint with the real SDK; the CLI runs as a child process (needs the compiled dist/).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { ApiClient } from '../../coordinator/cli/client.ts';
import { CoordinatorConfigSchema, type CoordinatorConfig } from '../../coordinator/config/config.ts';
import { generateCoordinatorKey } from '../../coordinator/config/keys.ts';
import { startCoordinatorDaemon, type CoordinatorDaemon } from '../../coordinator/daemon/daemon.ts';
import type { DeploymentView } from '../../coordinator/status/deployment-view.ts';
import { FakeAws } from '../aws-fake/server.ts';
import { FakeClock } from '../plugins/fake-clock.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../dist/coordinator/cli/bin.js', import.meta.url));
const HOOK_KEY = { accessKeyId: 'AKIDHOOKS', secretAccessKey: 'hook-secret' };
export const START = Date.UTC(2025, 0, 1);

export class PlatformCoordinator {
  clock = new FakeClock(START);
  readonly fake = new FakeAws({ now: () => this.clock.now() });
  dir = '';
  daemon!: CoordinatorDaemon;
  config!: CoordinatorConfig;
  configFile = '';
  api!: ApiClient;
  private hookClient: CodeDeployClient | undefined;

  static async create(): Promise<PlatformCoordinator> {
    const c = new PlatformCoordinator();
    await c.fake.start();
    c.dir = await mkdtemp(path.join(tmpdir(), 'convoy-platforms-'));
    await generateCoordinatorKey(path.join(c.dir, 'coordinator.key'));
    return c;
  }

  /** Starts (or restarts) the daemon over the same data dir, with `clock` as the plugins' clock. */
  async start(clock: FakeClock = this.clock): Promise<void> {
    this.clock = clock;
    const raw = {
      dataDir: path.join(this.dir, 'data'),
      keyFile: path.join(this.dir, 'coordinator.key'),
      api: { host: '127.0.0.1', port: 0 },
      replicationTimeoutMs: 0,
      logLevel: 'silent',
      codedeployApi: { accessKeys: [{ ...HOOK_KEY }] },
      aws: {
        region: 'us-east-1', endpoint: this.fake.endpoint, accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret',
        ecs: { pollIntervalMs: 1000 },
      },
    };
    this.daemon = await startCoordinatorDaemon(CoordinatorConfigSchema.parse(raw), pino({ level: 'silent' }), { platformClock: clock });
    const port = Number(new URL(this.daemon.apiUrl).port);
    this.config = CoordinatorConfigSchema.parse({ ...raw, api: { host: '127.0.0.1', port } });
    this.configFile = path.join(this.dir, 'coordinator.yaml');
    await writeFile(this.configFile, stringify({ ...raw, api: { host: '127.0.0.1', port } }));
    this.api = ApiClient.forConfig(this.config);
    this.hookClient?.destroy();
    this.hookClient = new CodeDeployClient({ endpoint: this.daemon.apiUrl, region: 'us-east-1', credentials: { ...HOOK_KEY } });
  }

  /** A hook function that reports `verdict` to the coordinator's CodeDeploy endpoint when invoked. */
  hook(fn: string, verdict: 'Succeeded' | 'Failed', seen: string[] = []): string[] {
    if (!this.fake.lambda.functions.has(fn)) this.fake.lambda.addFunction(fn, ['1']);
    this.fake.lambda.invokeHandlers.set(fn, async (payload) => {
      const p = payload as { DeploymentId: string; LifecycleEventHookExecutionId: string };
      seen.push(p.LifecycleEventHookExecutionId);
      await this.putHookStatus(p.DeploymentId, p.LifecycleEventHookExecutionId, verdict);
    });
    return seen;
  }

  putHookStatus(deploymentId: string, executionId: string, status: string): Promise<unknown> {
    return this.hookClient!.send(new PutLifecycleEventHookExecutionStatusCommand({ deploymentId, lifecycleEventHookExecutionId: executionId, status: status as 'Succeeded' }));
  }

  async cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--config', this.configFile], { timeout: 30_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  async writeFile(name: string, text: string): Promise<string> {
    const file = path.join(this.dir, name);
    await writeFile(file, text);
    return file;
  }

  view(id: string): Promise<DeploymentView> {
    return this.api.get<DeploymentView>(`/v1/deployments/${id}`);
  }

  async waitFor(id: string, pred: (v: DeploymentView) => boolean, timeoutMs = 15_000): Promise<DeploymentView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await this.view(id);
      if (pred(v)) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting on ${id}: ${JSON.stringify(v)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async until(pred: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    await this.daemon?.stop().catch(() => undefined);
    this.hookClient?.destroy();
    await this.fake.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export function lambdaAppSpec(hooks: { before?: string; after?: string } = {}): string {
  return [
    'version: 0.0',
    'Resources:',
    '  - api:',
    '      Type: AWS::Lambda::Function',
    '      Properties: {Name: api, Alias: live, CurrentVersion: "1", TargetVersion: "2"}',
    ...(hooks.before || hooks.after ? ['Hooks:'] : []),
    ...(hooks.before ? [`  - BeforeAllowTraffic: ${hooks.before}`] : []),
    ...(hooks.after ? [`  - AfterAllowTraffic: ${hooks.after}`] : []),
  ].join('\n');
}
