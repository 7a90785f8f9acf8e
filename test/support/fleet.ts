// A real sandbox fleet for end-to-end tests: coordinator daemon + N agent processes on 127.0.0.1,
// driven through the daemon's API exactly as the CLI drives it. Needs the compiled dist/ (npm test
// builds it first).
import { mkdtemp, mkdir, writeFile, chmod, rm, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { sandboxDown, sandboxUp, startAgentProcess, startCoordinatorProcess, waitForAgentsAlive, type SandboxState } from '../../coordinator/sandbox/sandbox.ts';
import { waitFor } from '../../coordinator/sandbox/processes.ts';
import { loadCoordinatorConfig, type CoordinatorConfig } from '../../coordinator/config/config.ts';
import { ApiClient } from '../../coordinator/cli/client.ts';
import { pushDirectory } from '../../coordinator/commands/push.ts';
import { CoordinatorStore } from '../../coordinator/store/store.ts';
import type { DeploymentView } from '../../coordinator/status/deployment-view.ts';
import type { CreateDeploymentRequest } from '../../coordinator/daemon/create-deployment.ts';

export interface TestFleet {
  readonly dir: string;
  readonly sandbox: SandboxState;
  readonly config: CoordinatorConfig;
  readonly api: ApiClient;
  /** `dest` dir of an agent: where its rebased AppSpec destinations land. */
  destOf(agentName: string): string;
  push(files: Record<string, string | { text: string; mode: number }>): Promise<string>;
  pushBytes(bytes: Buffer, bundleType: 'zip' | 'tar' | 'tgz'): Promise<string>;
  deploy(req: Partial<CreateDeploymentRequest> & { revision: string }): Promise<string>;
  waitFinal(id: string, timeoutMs?: number): Promise<DeploymentView>;
  view(id: string): Promise<DeploymentView>;
  /** kill -9 an agent process. */
  killAgent(name: string): void;
  restartAgent(name: string): void;
  killCoordinator(): void;
  /** Restarts the daemon and waits for its API. */
  restartCoordinator(): Promise<void>;
  /**
   * Waits until the coordinator counts every agent alive. A restarted coordinator does so only once it hears a
   * new heartbeat from each; it holds a create for at most one alive window meanwhile (settleFleetView), so a
   * test that needs every host targeted waits here rather than depend on that window.
   */
  waitForAgents(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFleet(agents: number, opts: { runtime?: 'node' | 'deno'; tags?: Record<string, string> } = {}): Promise<TestFleet> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-e2e-'));
  const sandbox = await sandboxUp({ dir, agents, logLevel: 'debug', ...(opts.runtime ? { runtime: opts.runtime } : {}), ...(opts.tags ? { tags: opts.tags } : {}) });
  const config = await loadCoordinatorConfig(sandbox.configFile);
  const api = ApiClient.forConfig(config);
  let revisionCounter = 0;
  const pids = new Map(sandbox.agents.map((a) => [a.name, a.pid]));
  let coordinatorPid = sandbox.coordinatorPid;
  return {
    dir, sandbox, config, api,
    destOf: (name) => path.join(dir, 'agents', name, 'dest'),
    async push(files) {
      const src = path.join(dir, 'revisions', `r${++revisionCounter}`);
      for (const [rel, content] of Object.entries(files)) {
        const file = path.join(src, rel);
        await mkdir(path.dirname(file), { recursive: true });
        if (typeof content === 'string') await writeFile(file, content);
        else {
          await writeFile(file, content.text);
          await chmod(file, content.mode);
        }
      }
      return (await pushDirectory(config.dataDir, src)).sha256;
    },
    async pushBytes(bytes, bundleType) {
      const file = path.join(dir, `raw-${++revisionCounter}.${bundleType}`);
      await writeFile(file, bytes);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const store = await CoordinatorStore.open(config.dataDir);
      await store.putRevision(file, { sha256, size: bytes.length, bundleType, createdAt: Date.now() });
      return sha256;
    },
    async deploy(req) {
      const created = await api.post<{ deploymentId: string }>('/v1/deployments', {
        application: 'app', deploymentGroup: 'group', config: 'CodeDeployDefault.AllAtOnce', targets: [], ...req,
      });
      return created.deploymentId;
    },
    async waitFinal(id, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const view = await api.get<DeploymentView>(`/v1/deployments/${id}`);
        if (view.status === 'Succeeded' || view.status === 'Failed' || view.status === 'Stopped') return view;
        if (Date.now() > deadline) throw new Error(`deployment ${id} still ${view.status} after ${timeoutMs} ms: ${JSON.stringify(view.counts)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    view: (id) => api.get<DeploymentView>(`/v1/deployments/${id}`),
    killAgent(name) {
      process.kill(pids.get(name)!, 'SIGKILL');
    },
    restartAgent(name) {
      pids.set(name, startAgentProcess(dir, name, opts.runtime ?? 'node'));
    },
    killCoordinator() {
      process.kill(coordinatorPid, 'SIGKILL');
    },
    async restartCoordinator() {
      coordinatorPid = startCoordinatorProcess(dir);
      await waitFor('the restarted coordinator', 20_000, () => api.get('/v1/health'));
    },
    waitForAgents: () => waitForAgentsAlive(api, sandbox.agents.map((a) => a.name), 60_000),
    async stop() {
      // Agents restarted by a test are not in sandbox.json; sandboxDown finds them by their environment.
      await sandboxDown(dir);
      if (process.env['CONVOY_KEEP_E2E'] === undefined) await rm(dir, { recursive: true, force: true });
      else console.log('kept', dir);
    },
  };
}

/** A shell hook script that appends `<event> <deployment>` to a log under the (rebased) destination. */
export function recordingScript(logRel: string, extra = ''): { text: string; mode: number } {
  return {
    mode: 0o755,
    text: `#!/bin/sh\nset -e\nmkdir -p "$CONVOY_DESTINATION_ROOT/${path.dirname(logRel)}"\necho "$LIFECYCLE_EVENT $DEPLOYMENT_ID" >> "$CONVOY_DESTINATION_ROOT/${logRel}"\n${extra}\n`,
  };
}

export async function readLines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
