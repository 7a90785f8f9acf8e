// A local fleet on 127.0.0.1: one coordinator daemon and N agents, each a separate OS process with its own
// root dir under DIR. Agents rebase absolute AppSpec destinations under their root, so they never write
// over each other, and run hooks as the invoking user.
import { mkdir, writeFile, readFile, rm, access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as toYaml } from 'yaml';
import { generateCoordinatorKey, loadCoordinatorKey } from '../config/keys.ts';
import { ApiClient } from '../cli/client.ts';
import type { HostHealth } from '../status/fleet-view.ts';
import { isAlive, sandboxProcesses, spawnDetached, startOnFreePorts, waitFor } from './processes.ts';

export interface SandboxUpOptions {
  readonly dir: string;
  readonly agents: number;
  readonly tags?: Readonly<Record<string, string>>;
  /** `node` (default) runs the compiled CLI; `deno` runs agent/bin.ts from source under Deno 2. */
  readonly runtime?: 'node' | 'deno';
  readonly heartbeatIntervalMs?: number;
  readonly logLevel?: string;
  /** How long to wait for every agent to join (default 60 s; a big fleet on a small machine starts slower). */
  readonly joinTimeoutMs?: number;
  /** The agents' max_revisions (deployment dirs kept per group); the agent's default when unset. */
  readonly maxRevisions?: number;
}

export interface SandboxState {
  readonly dir: string;
  readonly configFile: string;
  readonly apiUrl: string;
  readonly coordinatorPid: number;
  readonly coordinatorPeerId: string;
  readonly agents: { name: string; pid: number; dir: string }[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root, whether running from dist/ (compiled) or from source. */
export const REPO_ROOT = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
const CLI_ENTRY = path.join(REPO_ROOT, 'dist', 'coordinator', 'cli', 'bin.js');

export async function sandboxUp(opts: SandboxUpOptions): Promise<SandboxState> {
  const dir = path.resolve(opts.dir);
  const previous = await readState(dir);
  if (previous && isAlive(previous.coordinatorPid)) throw new Error(`A sandbox is already running in ${dir} (stop it with: convoy sandbox down --dir ${opts.dir})`);
  await mkdir(path.join(dir, 'coordinator'), { recursive: true });
  const keyFile = path.join(dir, 'coordinator', 'key.pem');
  const signer = (await exists(keyFile)) ? await loadCoordinatorKey(keyFile) : await generateCoordinatorKey(keyFile);
  const configFile = path.join(dir, 'coordinator.yaml');
  const { ports, pid: coordinatorPid, peerId } = await startOnFreePorts({
    what: 'the coordinator daemon', timeoutMs: 20_000, logFile: path.join(dir, 'coordinator', 'daemon.log'),
    start: async (p) => {
      await writeFile(configFile, toYaml({
        dataDir: 'coordinator', keyFile: 'coordinator/key.pem', listen: [`/ip4/127.0.0.1/tcp/${p.p2p}`],
        api: { host: '127.0.0.1', port: p.api }, aliveWindowMs: 10_000, logLevel: opts.logLevel ?? 'info',
      }));
      return startCoordinatorProcess(dir);
    },
    ready: (p) => new ApiClient(`http://127.0.0.1:${p.api}`).get<{ peerId: string }>('/v1/health'),
  });
  const client = new ApiClient(`http://127.0.0.1:${ports.api}`);
  const bootstrap = `/ip4/127.0.0.1/tcp/${ports.p2p}/p2p/${peerId}`;

  const agents: SandboxState['agents'] = [];
  for (let i = 1; i <= opts.agents; i++) {
    const name = `agent-${i}`;
    const agentDir = path.join(dir, 'agents', name);
    await mkdir(agentDir, { recursive: true });
    const agentConfig = path.join(agentDir, 'agent.yaml');
    await writeFile(agentConfig, toYaml({
      rootDir: '.', listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [bootstrap], instanceName: name,
      tags: { Name: name, ...opts.tags }, trustedCoordinators: [signer.id], destinationRoot: 'dest',
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 1000, logLevel: opts.logLevel ?? 'info',
      ...(opts.maxRevisions !== undefined ? { maxRevisions: opts.maxRevisions } : {}),
    }));
    agents.push({ name, dir: agentDir, pid: startAgentProcess(dir, name, opts.runtime ?? 'node') });
  }
  const state: SandboxState = { dir, configFile, apiUrl: `http://127.0.0.1:${ports.api}`, coordinatorPid, coordinatorPeerId: peerId, agents };
  await writeFile(path.join(dir, 'sandbox.json'), JSON.stringify(state, null, 2));
  try {
    await waitForAgentsAlive(client, agents.map((a) => a.name), opts.joinTimeoutMs ?? 60_000);
  } catch (err) {
    // A sandbox that did not come up must not leave its processes behind.
    await sandboxDown(dir).catch(() => undefined);
    throw err;
  }
  return state;
}

/** Starts (or restarts) the sandbox's coordinator daemon; returns its pid. */
export function startCoordinatorProcess(dir: string): number {
  const env = { ...process.env, CONVOY_SANDBOX: dir };
  return spawnDetached(process.execPath, [CLI_ENTRY, 'serve', '--config', path.join(dir, 'coordinator.yaml')], path.join(dir, 'coordinator', 'daemon.log'), env, dir);
}

/** Starts (or restarts) one sandbox agent from its config under DIR/agents/NAME; returns its pid. */
export function startAgentProcess(dir: string, name: string, runtime: 'node' | 'deno' = 'node'): number {
  const agentDir = path.join(dir, 'agents', name);
  const agentConfig = path.join(agentDir, 'agent.yaml');
  const env = { ...process.env, CONVOY_SANDBOX: dir };
  const [command, args] = runtime === 'deno'
    ? [path.join(REPO_ROOT, 'node_modules', '.bin', 'deno'), ['run', '-A', '--quiet', path.join(REPO_ROOT, 'agent', 'bin.ts'), '--config', agentConfig]]
    : [process.execPath, [CLI_ENTRY, 'agent', '--config', agentConfig]];
  return spawnDetached(command, args, path.join(agentDir, 'agent.log'), env, REPO_ROOT);
}

export async function sandboxDown(dirArg: string): Promise<{ stopped: number }> {
  const dir = path.resolve(dirArg);
  const state = await readState(dir);
  const pids = new Set<number>(await sandboxProcesses(dir));
  if (state) {
    pids.add(state.coordinatorPid);
    for (const a of state.agents) pids.add(a.pid);
  }
  const alive = [...pids].filter(isAlive);
  for (const pid of alive) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && alive.some(isAlive)) await new Promise((r) => setTimeout(r, 100));
  for (const pid of alive.filter(isAlive)) signal(pid, 'SIGKILL');
  // Hook scripts may have started daemons of their own (CodeDeploy allows it); they carry the marker too.
  for (const pid of await sandboxProcesses(dir)) signal(pid, 'SIGKILL');
  await rm(path.join(dir, 'sandbox.json'), { force: true });
  return { stopped: alive.length };
}

async function readState(dir: string): Promise<SandboxState | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'sandbox.json'), 'utf8')) as SandboxState;
  } catch {
    return undefined;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

/** Waits until the coordinator behind `client` counts every one of these agents alive (heard within its window). */
export async function waitForAgentsAlive(client: ApiClient, names: readonly string[], timeoutMs: number): Promise<void> {
  await waitFor(`${names.length} agents to be heard by the coordinator`, timeoutMs, async () => {
    const { hosts } = await client.get<{ hosts: HostHealth[] }>('/v1/fleet');
    const alive = hosts.filter((h) => h.alive && names.includes(h.instanceName));
    return alive.length === names.length ? alive : undefined;
  });
}
