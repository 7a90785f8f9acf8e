// Test fixtures for the CodeDeploy API: a 3-agent sandbox fleet plus a second coordinator process (same
// signing key, so agents trust its intents) whose config enables the CodeDeploy API with SigV4 keys and an
// S3 endpoint; an s3rver on 127.0.0.1; small revision bundles. The extra coordinator is started inside the
// sandbox (CONVOY_SANDBOX), so sandboxDown stops it too.
import { createRequire } from 'node:module';
import { mkdir, writeFile, chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify as toYaml, parse as parseYaml } from 'yaml';
import { sandboxDown, sandboxUp, REPO_ROOT, type SandboxState } from '../../coordinator/sandbox/sandbox.ts';
import { spawnDetached, startOnFreePorts } from '../../coordinator/sandbox/processes.ts';
import { createZipFromDirectory } from '../../agent/archive/index.ts';

export const ACCESS_KEY = { accessKeyId: 'AKIDCONVOYTEST0000001', secretAccessKey: 'convoy-test-secret-key-0123456789' };
export const REGION = 'us-east-1';

export interface CodeDeployFleet {
  readonly dir: string;
  readonly sandbox: SandboxState;
  readonly endpoint: string;
  readonly s3Endpoint: string;
  stop(): Promise<void>;
}

interface S3rverInstance { run(): Promise<{ address: string; port: number }>; close(): Promise<void> }
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;

export async function startS3(dir: string, buckets: readonly string[]): Promise<{ endpoint: string; close(): Promise<void> }> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;
  await mkdir(dir, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, close: () => server.close() };
}

export async function startCodeDeployFleet(opts: { agents?: number; pageSize?: number } = {}): Promise<CodeDeployFleet> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-cd-'));
  const s3 = await startS3(path.join(dir, 's3'), ['bundles']);
  const sandbox = await sandboxUp({ dir, agents: opts.agents ?? 3, tags: { env: 'cd' }, logLevel: 'warn', heartbeatIntervalMs: 500 });
  try {
    const base = parseYaml(await readFile(sandbox.configFile, 'utf8')) as { listen: string[] };
    const configFile = path.join(dir, 'cd-coordinator.yaml');
    await mkdir(path.join(dir, 'cd-coordinator'), { recursive: true });
    const { ports } = await startOnFreePorts({
      what: 'the CodeDeploy coordinator to see the fleet', timeoutMs: 45_000, logFile: path.join(dir, 'cd-coordinator', 'daemon.log'),
      start: async (p) => {
        await writeFile(configFile, toYaml({
          dataDir: 'cd-coordinator', keyFile: 'coordinator/key.pem', listen: [`/ip4/127.0.0.1/tcp/${p.p2p}`],
          bootstrap: [`${base.listen[0]}/p2p/${sandbox.coordinatorPeerId}`],
          api: { host: '127.0.0.1', port: p.api }, aliveWindowMs: 10_000, logLevel: 'info',
          codedeployApi: { accessKeys: [ACCESS_KEY], region: REGION, accountId: '123456789012', pageSize: opts.pageSize ?? 2 },
          s3: { endpoint: s3.endpoint, region: REGION, forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        }));
        return spawnDetached(process.execPath, [path.join(REPO_ROOT, 'dist', 'coordinator', 'cli', 'bin.js'), 'serve', '--config', configFile],
          path.join(dir, 'cd-coordinator', 'daemon.log'), { ...process.env, CONVOY_SANDBOX: dir }, dir);
      },
      ready: async (p) => {
        const res = await fetch(`http://127.0.0.1:${p.api}/v1/fleet`);
        const { hosts } = (await res.json()) as { hosts: { alive: boolean }[] };
        return hosts.filter((h) => h.alive).length >= (opts.agents ?? 3) ? {} : undefined;
      },
    });
    const endpoint = `http://127.0.0.1:${ports.api}`;
    return {
      dir, sandbox, endpoint, s3Endpoint: s3.endpoint,
      async stop() {
        await sandboxDown(dir);
        await s3.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await sandboxDown(dir);
    await s3.close();
    throw err;
  }
}

/** A revision whose ValidateService exits with `exitCode` (0 = succeeds), zipped. Returns the zip's path. */
export async function makeRevision(root: string, label: string, exitCode = 0): Promise<string> {
  const src = path.join(root, `${label}-src`);
  await mkdir(path.join(src, 'scripts'), { recursive: true });
  await mkdir(path.join(src, 'site'), { recursive: true });
  await writeFile(path.join(src, 'site', 'index.html'), `<p>${label}</p>\n`);
  await writeFile(path.join(src, 'appspec.yml'), [
    'version: 0.0', 'os: linux', 'files:', '  - source: site', `    destination: /srv/convoy-cd-test/${label}`,
    'hooks:', '  ValidateService:', '    - location: scripts/validate.sh', '      timeout: 30', '',
  ].join('\n'));
  await writeFile(path.join(src, 'scripts', 'validate.sh'),
    `#!/bin/sh\necho "validating ${label} for $DEPLOYMENT_ID"\necho "$BUNDLE_BUCKET $BUNDLE_KEY $BUNDLE_ETAG" > "$CONVOY_DESTINATION_ROOT/srv/convoy-cd-test/${label}/bundle.env"\n${exitCode === 0 ? 'exit 0' : `echo "health check failed" >&2\nexit ${exitCode}`}\n`);
  await chmod(path.join(src, 'scripts', 'validate.sh'), 0o755);
  const zip = path.join(root, `${label}.zip`);
  await createZipFromDirectory(src, zip);
  return zip;
}
