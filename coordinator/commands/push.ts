// `convoy push <dir>`: validate the appspec, zip the directory deterministically, and store the bundle
// content-addressed in the coordinator's revision store.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { createZipFromDirectory } from '../../agent/archive/index.ts';
import { loadAppSpec } from '../../agent/lifecycle/appspec-loader.ts';
import { CoordinatorStore } from '../store/store.ts';
import { CliError, EXIT } from '../cli/errors.ts';
import { coordinatorConfig, printJson, type GlobalOptions } from './common.ts';

export function registerPush(program: Command): void {
  program
    .command('push <dir>')
    .description('validate and bundle a revision directory into the coordinator revision store')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .option('--json', 'print the stored revision as JSON')
    .addHelpText('after', '\nThe directory must hold appspec.yml (or appspec.yaml) at its root. Prints the revision id\n(the bundle\'s SHA-256) to pass to `convoy deploy create --revision`.')
    .action(async (dir: string, opts: GlobalOptions & { json?: boolean }) => {
      const config = await coordinatorConfig(opts);
      const info = await stat(dir).catch(() => undefined);
      if (!info?.isDirectory()) throw new CliError(`"${dir}" is not a directory`, EXIT.usage);
      try {
        await loadAppSpec(path.resolve(dir));
      } catch (err) {
        throw new CliError(`Revision "${dir}" is invalid: ${(err as Error).message}`, EXIT.failed);
      }
      const revision = await pushDirectory(config.dataDir, path.resolve(dir));
      if (opts.json) printJson(revision);
      else process.stdout.write(`Revision ${revision.sha256} (${revision.size} bytes, zip) stored\n`);
    });
}

export async function pushDirectory(dataDir: string, dir: string): Promise<{ sha256: string; size: number; bundleType: 'zip' }> {
  const store = await CoordinatorStore.open(dataDir);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'convoy-push-'));
  try {
    const bundle = path.join(tmp, 'bundle.zip');
    const { bytes } = await createZipFromDirectory(dir, bundle);
    const sha256 = await sha256File(bundle);
    await store.putRevision(bundle, { sha256, size: bytes, bundleType: 'zip', createdAt: Date.now(), sourceDir: dir });
    return { sha256, size: bytes, bundleType: 'zip' };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
