// CodeDeploy compatibility on a real local fleet (1 coordinator + 3 agent processes): the revision shapes of
// the public sample appspecs (agent reference §8.8), with small scripts of our own, deployed one after another
// to the same deployment group through the compiled CLI. Checks installed files (sandbox agents re-root
// absolute destinations under <agentDir>/dest; hooks see CONVOY_DESTINATION_ROOT), that ApplicationStop runs
// the PREVIOUS revision's scripts (§2.2), that Install cleans up what the previous revision installed, tar and
// tgz bundles pushed as files, scripts running from the revision root (decision 15), and that
// `convoy deploy logs` returns the full hook log while reports carry a 4 KiB tail (decision 10).
// Needs the compiled CLI: run `npx tsc -p tsconfig.json` first (`npm test` does it).
import { execFile } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, sandboxDown, sandboxUp, type SandboxState } from '../../coordinator/sandbox/sandbox.ts';
import type { DeploymentView } from '../../coordinator/status/deployment-view.ts';

const CLI = path.join(REPO_ROOT, 'dist', 'coordinator', 'cli', 'bin.js');
const AGENTS = 3;
const APP = 'compat-app';
const GROUP = 'compat-group';
const RUNAS = process.getuid?.() === 0 ? '\n      runas: root' : ''; // `su` needs the agent to be root

let work: string;
let fleet: SandboxState;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function convoy(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, CONVOY_CONFIG: fleet.configFile }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

/** A hook script that records `<event> <deploymentId> <revision> <script> <cwd>` in a per-host events log. */
function recorder(rev: string, name: string, extra = ''): string {
  return `#!/bin/sh
set -e
LOG="\${CONVOY_DESTINATION_ROOT:-}/var/log/compat/events.log"
mkdir -p "$(dirname "$LOG")"
echo "$LIFECYCLE_EVENT $DEPLOYMENT_ID ${rev} ${name} $(pwd)" >> "$LOG"
echo "${name} of ${rev} ran for $LIFECYCLE_EVENT"
${extra}`;
}

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    if (content.startsWith('#!')) await chmod(file, 0o755);
  }
}

async function push(target: string): Promise<{ sha256: string; bundleType: string }> {
  const r = await convoy(['push', target, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { sha256: string; bundleType: string };
}

async function deploy(sha256: string): Promise<DeploymentView> {
  const created = await convoy(['deploy', 'create', '--application', APP, '--group', GROUP, '--revision', sha256,
    '--deployment-config', 'CodeDeployDefault.AllAtOnce', '--targets', 'suite=compat', '--json']);
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  const { deploymentId } = JSON.parse(created.stdout) as { deploymentId: string };
  const waited = await convoy(['deploy', 'wait', deploymentId, '--json', '--timeout', '50']);
  const view = JSON.parse(waited.stdout) as DeploymentView;
  if (waited.code !== 0) throw new Error(`deployment ${deploymentId} ended ${view.status}: ${JSON.stringify(view.hosts.map((h) => h.events.filter((e) => e.status === 'Failed')))}`);
  expect(view.status).toBe('Succeeded');
  expect(view.hosts).toHaveLength(AGENTS);
  return view;
}

const dest = (agent: number, p: string): string => path.join(fleet.agents[agent]!.dir, 'dest', p);

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

/** The events log lines of one agent for one deployment: [event, revision, script, cwd]. */
async function events(agent: number, deploymentId: string): Promise<string[][]> {
  const text = await readFile(dest(agent, 'var/log/compat/events.log'), 'utf8');
  return text.split('\n').filter(Boolean).map((l) => l.split(' ')).filter((f) => f[1] === deploymentId).map(([e, , rev, name, cwd]) => [e!, rev!, name!, cwd!]);
}

function eventStatus(view: DeploymentView, host: number, event: string): string | undefined {
  const name = fleet.agents[host]!.name;
  return view.hosts.find((h) => h.instanceName === name)?.events.find((e) => e.event === event)?.status;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'convoy-compat-'));
  fleet = await sandboxUp({ dir: path.join(work, 'fleet'), agents: AGENTS, tags: { suite: 'compat' }, logLevel: 'warn', heartbeatIntervalMs: 500, maxRevisions: 3 });
}, 90_000);

afterAll(async () => {
  if (fleet) await sandboxDown(fleet.dir);
  await rm(work, { recursive: true, force: true });
}, 30_000);

describe('CodeDeploy sample revision shapes, deployed in sequence to one group', () => {
  const ids: Record<string, string> = {};
  let sampleApp: { sha256: string; bundleType: string };

  it('1. SampleApp_Linux (directory push): /index.html -> /var/www/html/, two BeforeInstall scripts; first ApplicationStop is a no-op', async () => {
    const dir = path.join(work, 'SampleApp_Linux');
    await writeTree(dir, {
      'appspec.yml': `version: 0.0
os: linux
files:
  - source: /index.html
    destination: /var/www/html/
hooks:
  BeforeInstall:
    - location: scripts/install_dependencies
      timeout: 300${RUNAS}
    - location: scripts/start_server
      timeout: 300${RUNAS}
  ApplicationStop:
    - location: scripts/stop_server
      timeout: 300${RUNAS}
`,
      'index.html': '<h1>SampleApp r1</h1>\n',
      'scripts/install_dependencies': recorder('r1', 'install_dependencies'),
      'scripts/start_server': recorder('r1', 'start_server'),
      'scripts/stop_server': recorder('r1', 'stop_server'),
    });
    sampleApp = await push(dir);
    expect(sampleApp.bundleType).toBe('zip');
    const view = await deploy(sampleApp.sha256);
    ids.r1 = view.deploymentId;
    for (let a = 0; a < AGENTS; a++) {
      expect(await readFile(dest(a, 'var/www/html/index.html'), 'utf8')).toBe('<h1>SampleApp r1</h1>\n');
      const ev = await events(a, view.deploymentId);
      expect(ev.map(([e, rev, name]) => `${e} ${rev} ${name}`)).toEqual(['BeforeInstall r1 install_dependencies', 'BeforeInstall r1 start_server']);
      // Decision 15: scripts run from the unpacked revision's root.
      expect(ev[0]![3]).toMatch(new RegExp(`/${view.deploymentId}/deployment-archive$`));
      expect(eventStatus(view, a, 'ApplicationStop')).toBe('Skipped'); // §2.2: no previous install in the group
      expect(eventStatus(view, a, 'Install')).toBe('Succeeded');
    }
  }, 60_000);

  it('2. conf-mgmt/ansible (tar bundle): source / -> /etc/ansible/codedeploy; ApplicationStop runs r1\'s stop script; r1\'s files cleaned up', async () => {
    const dir = path.join(work, 'ansible');
    await writeTree(dir, {
      'appspec.yml': `version: 0.0
os: linux
files:
  - source: /
    destination: /etc/ansible/codedeploy
hooks:
  BeforeInstall:
    - location: install_ansible.sh
      timeout: 300
  ApplicationStart:
    - location: run_playbook.sh
      timeout: 300
  ValidateService:
    - location: validate.sh
      timeout: 60
`,
      'site.yml': '- hosts: localhost\n  roles: [web]\n',
      'roles/web/tasks/main.yml': '- name: noop\n  debug: msg=hi\n',
      'install_ansible.sh': recorder('r2', 'install_ansible'),
      'run_playbook.sh': recorder('r2', 'run_playbook'),
      'validate.sh': recorder('r2', 'validate', 'test -f "${CONVOY_DESTINATION_ROOT:-}/etc/ansible/codedeploy/site.yml"\n'),
    });
    const bundle = path.join(work, 'ansible.tar');
    await createTar({ cwd: dir, file: bundle, portable: true }, ['.']);
    const revision = await push(bundle);
    expect(revision.bundleType).toBe('tar');
    const view = await deploy(revision.sha256);
    ids.r2 = view.deploymentId;
    for (let a = 0; a < AGENTS; a++) {
      const ev = await events(a, view.deploymentId);
      expect(ev.map(([e, rev, name]) => `${e} ${rev} ${name}`)).toEqual([
        'ApplicationStop r1 stop_server', // the FIRST revision's script, with this deployment's id (§2.2)
        'BeforeInstall r2 install_ansible',
        'ApplicationStart r2 run_playbook',
        'ValidateService r2 validate',
      ]);
      expect(ev[0]![3]).toMatch(new RegExp(`/${ids.r1}/deployment-archive$`)); // run from r1's unpacked revision
      expect(await exists(dest(a, 'var/www/html/index.html'))).toBe(false); // r1's file removed at Install
      for (const f of ['appspec.yml', 'site.yml', 'roles/web/tasks/main.yml', 'run_playbook.sh']) {
        expect(await exists(dest(a, `etc/ansible/codedeploy/${f}`))).toBe(true);
      }
    }
  }, 60_000);

  it('3. chef/salt style (tgz bundle with a top-level folder): directory sources with trailing / and a file source', async () => {
    const dir = path.join(work, 'chef', 'chef-app');
    await writeTree(dir, {
      'appspec.yml': `version: 0.0
os: linux
files:
  - source: chef/
    destination: /etc/chef/codedeploy/
  - source: salt/
    destination: /srv/salt/
  - source: target/hello.war
    destination: /var/lib/tomcat6/webapps
hooks:
  ApplicationStop:
    - location: scripts/stop.sh
  BeforeInstall:
    - location: scripts/install_chef.sh
      timeout: 1800
  ApplicationStart:
    - location: scripts/chef-solo.sh
      timeout: 1800
`,
      'chef/solo.rb': 'cookbook_path "/etc/chef/codedeploy/cookbooks"\n',
      'chef/cookbooks/hello/recipes/default.rb': 'log "hello"\n',
      'salt/top.sls': 'base:\n  "*":\n    - hello\n',
      'target/hello.war': 'PK-not-really-a-war\n',
      'scripts/stop.sh': recorder('r3', 'stop'),
      'scripts/install_chef.sh': recorder('r3', 'install_chef'),
      'scripts/chef-solo.sh': recorder('r3', 'chef-solo'),
    });
    const bundle = path.join(work, 'chef.tgz');
    await createTar({ cwd: path.dirname(dir), file: bundle, gzip: true, portable: true }, ['chef-app']);
    const revision = await push(bundle);
    expect(revision.bundleType).toBe('tgz');
    const view = await deploy(revision.sha256);
    ids.r3 = view.deploymentId;
    for (let a = 0; a < AGENTS; a++) {
      const ev = await events(a, view.deploymentId);
      // r2 had no ApplicationStop script, so nothing runs for it (reported Skipped).
      expect(ev.map(([e, rev, name]) => `${e} ${rev} ${name}`)).toEqual(['BeforeInstall r3 install_chef', 'ApplicationStart r3 chef-solo']);
      expect(eventStatus(view, a, 'ApplicationStop')).toBe('Skipped');
      expect(await readFile(dest(a, 'etc/chef/codedeploy/cookbooks/hello/recipes/default.rb'), 'utf8')).toBe('log "hello"\n');
      expect(await exists(dest(a, 'etc/chef/codedeploy/solo.rb'))).toBe(true);
      expect(await exists(dest(a, 'etc/chef/codedeploy/chef'))).toBe(false); // a directory source copies its contents
      expect(await readFile(dest(a, 'srv/salt/top.sls'), 'utf8')).toContain('base:');
      expect(await readFile(dest(a, 'var/lib/tomcat6/webapps/hello.war'), 'utf8')).toBe('PK-not-really-a-war\n');
      for (const f of ['appspec.yml', 'site.yml', 'roles/web/tasks/main.yml']) {
        expect(await exists(dest(a, `etc/ansible/codedeploy/${f}`))).toBe(false); // r2's files cleaned up
      }
    }
  }, 60_000);

  it('4. load-balancing/elb (directory push): two scripts per event, no timeouts; r3\'s stop script runs; full log via deploy logs', async () => {
    const dir = path.join(work, 'elb');
    // ApplicationStart's first script writes ~12 KiB of output: more than the 4 KiB reported tail.
    const noisy = 'i=1; while [ $i -le 200 ]; do printf "line-%03d %s\\n" $i "................................................"; i=$((i+1)); done\n';
    await writeTree(dir, {
      'appspec.yml': `version: 0.0
os: linux
files:
  - source: /index.html
    destination: /var/www/html/
hooks:
  ApplicationStop:
    - location: scripts/deregister_from_elb.sh
    - location: scripts/stop_application.sh
  BeforeInstall:
    - location: scripts/install_dependencies.sh
  ApplicationStart:
    - location: scripts/start_application.sh
    - location: scripts/register_with_elb.sh
`,
      'index.html': '<h1>elb r4</h1>\n',
      'scripts/deregister_from_elb.sh': recorder('r4', 'deregister_from_elb'),
      'scripts/stop_application.sh': recorder('r4', 'stop_application'),
      'scripts/install_dependencies.sh': recorder('r4', 'install_dependencies'),
      'scripts/start_application.sh': recorder('r4', 'start_application', noisy),
      'scripts/register_with_elb.sh': recorder('r4', 'register_with_elb'),
    });
    const view = await deploy((await push(dir)).sha256);
    ids.r4 = view.deploymentId;
    for (let a = 0; a < AGENTS; a++) {
      const ev = await events(a, view.deploymentId);
      expect(ev.map(([e, rev, name]) => `${e} ${rev} ${name}`)).toEqual([
        'ApplicationStop r3 stop',
        'BeforeInstall r4 install_dependencies',
        'ApplicationStart r4 start_application',
        'ApplicationStart r4 register_with_elb',
      ]);
      expect(await readFile(dest(a, 'var/www/html/index.html'), 'utf8')).toBe('<h1>elb r4</h1>\n');
      for (const f of ['srv/salt/top.sls', 'var/lib/tomcat6/webapps/hello.war', 'etc/chef/codedeploy/solo.rb']) {
        expect(await exists(dest(a, f))).toBe(false); // r3's files cleaned up
      }
    }

    // The report carries only the last 4 KiB, on success too (decision 10) ...
    const start = view.hosts.find((h) => h.instanceName === 'agent-1')!.events.find((e) => e.event === 'ApplicationStart')!;
    expect(start.status).toBe('Succeeded');
    expect(Buffer.byteLength(start.logTail)).toBeLessThanOrEqual(4096);
    expect(start.logTail).toContain('register_with_elb of r4 ran for ApplicationStart');
    expect(start.logTail).not.toContain('line-001');
    // ... and `convoy deploy logs` fetches the complete log from the host itself.
    const logs = await convoy(['deploy', 'logs', view.deploymentId, '--host', 'agent-1']);
    expect(logs.stderr).toBe('');
    expect(logs.code).toBe(0);
    const full = logs.stdout;
    for (const needle of [
      'LifecycleEvent - ApplicationStop', 'Script - scripts/stop.sh', '[stdout]stop of r3 ran for ApplicationStop',
      'LifecycleEvent - BeforeInstall', 'Script - scripts/install_dependencies.sh',
      'LifecycleEvent - ApplicationStart', 'Script - scripts/start_application.sh', 'Script - scripts/register_with_elb.sh',
      '[stdout]line-001 ', '[stdout]line-100 ', '[stdout]line-200 ',
    ]) expect(full).toContain(needle);
    expect(full.indexOf('line-200')).toBeLessThan(full.indexOf('Script - scripts/register_with_elb.sh'));
    expect(Buffer.byteLength(full)).toBeGreaterThan(10_000);
  }, 60_000);

  it('5. SampleApp_Linux again (same revision id): ApplicationStop runs r4\'s two scripts in order', async () => {
    const view = await deploy(sampleApp.sha256);
    for (let a = 0; a < AGENTS; a++) {
      const ev = await events(a, view.deploymentId);
      expect(ev.map(([e, rev, name]) => `${e} ${rev} ${name}`)).toEqual([
        'ApplicationStop r4 deregister_from_elb',
        'ApplicationStop r4 stop_application',
        'BeforeInstall r1 install_dependencies',
        'BeforeInstall r1 start_server',
      ]);
      expect(ev[0]![3]).toMatch(new RegExp(`/${ids.r4}/deployment-archive$`));
      expect(await readFile(dest(a, 'var/www/html/index.html'), 'utf8')).toBe('<h1>SampleApp r1</h1>\n');
      // max_revisions 3 (§4.2): the download pruned the group's oldest deployment dirs, done before the host reported.
      const groupRoot = path.dirname(path.dirname(ev[0]![3]!));
      expect((await readdir(groupRoot)).sort()).toEqual([ids.r3, ids.r4, view.deploymentId].sort());
    }
  }, 60_000);
});
