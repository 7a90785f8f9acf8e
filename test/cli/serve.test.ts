// `convoy serve` through the compiled CLI: a daemon that cannot bind its API port must exit with the error,
// not linger with its libp2p node up and no API (a sandbox would then wait on it until its timeout).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../../coordinator/sandbox/sandbox.ts';

const CLI = path.join(REPO_ROOT, 'dist', 'coordinator', 'cli', 'bin.js');
let tmp: string;
let squatter: Server;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'convoy-serve-'));
  squatter = createServer();
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  squatter.close();
  await rm(tmp, { recursive: true, force: true });
});

function convoy(args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: tmp, timeout: 30_000 }, (err, _stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stderr });
    });
  });
}

it('exits 1 naming the address when the API port is taken', async () => {
  expect((await convoy(['keygen', '--out', 'key.pem'])).code).toBe(0);
  const { port } = squatter.address() as { port: number };
  await writeFile(path.join(tmp, 'c.yaml'), `dataDir: data\nkeyFile: key.pem\nlisten: ['/ip4/127.0.0.1/tcp/0']\napi: { host: 127.0.0.1, port: ${port} }\n`);
  const run = await convoy(['serve', '--config', 'c.yaml']);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain(`EADDRINUSE: address already in use 127.0.0.1:${port}`);
});
