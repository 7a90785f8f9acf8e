// `convoy push <dir | bundle>`: validate the revision's appspec and store the bundle content-addressed in the
// coordinator's revision store. A directory is zipped deterministically; a ready zip/tar/tgz bundle (type
// found from its first bytes) is unpacked into a temp dir with the agent's extractor, validated, and stored
// byte for byte with its bundle type.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { createZipFromDirectory, type BundleType } from '../../agent/archive/index.ts';
import { CoordinatorStore } from '../store/store.ts';
import { CliError, EXIT } from '../cli/errors.ts';
import { coordinatorConfig, printJson, type GlobalOptions } from './common.ts';
import {
  bundleTypeFromName,
  detectBundleType,
  RevisionInvalidError,
  validateBundle,
  validateRevisionDir,
} from './appspec.ts';

export interface PushedRevision {
  sha256: string;
  size: number;
  bundleType: BundleType;
}

export function registerPush(program: Command): void {
  program
    .command('push <path>')
    .description('validate a revision (directory or zip/tar/tgz bundle) and store it in the coordinator revision store')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .option('--json', 'print the stored revision as JSON')
    .option('--s3 <url>', 'also upload the bundle to s3://bucket/key (coordinator.yaml s3 section) and make S3 its origin')
    .addHelpText('after', `
<path> is either a revision directory, holding appspec.yml (or appspec.yaml) at its root, which is
zipped deterministically, or a ready bundle (.zip, .tar, .tgz/.tar.gz; the type is read from the
file's first bytes), which is unpacked into a temp dir to validate its appspec and then stored
unchanged. Prints the revision id (the bundle's SHA-256) to pass to \`convoy deploy create --revision\`.

Examples:
  convoy push ./my-app
  convoy push build/my-app.tgz --json`)
    .action(async (target: string, opts: GlobalOptions & { json?: boolean; s3?: string }) => {
      const config = await coordinatorConfig(opts);
      const info = await stat(target).catch(() => undefined);
      if (info === undefined) throw new CliError(`"${target}" does not exist`, EXIT.usage);
      let revision: PushedRevision;
      if (info.isDirectory()) {
        await validateOrFail(target, () => validateRevisionDir(path.resolve(target)));
        revision = await pushDirectory(config.dataDir, path.resolve(target));
      } else if (info.isFile()) {
        const bundleType = (await detectBundleType(target)) ?? bundleTypeFromName(target);
        if (bundleType === undefined) {
          throw new CliError(`"${target}" is neither a directory nor a zip, tar or tgz bundle`, EXIT.usage);
        }
        // Validate and hash one private copy, so a file rewritten meanwhile cannot slip past validation.
        const tmp = await mkdtemp(path.join(os.tmpdir(), 'convoy-push-'));
        try {
          const copy = path.join(tmp, `bundle.${bundleType}`);
          await copyFile(target, copy);
          await validateOrFail(target, () => validateBundle(copy, bundleType));
          revision = await pushBundle(config.dataDir, copy, bundleType);
        } finally {
          await rm(tmp, { recursive: true, force: true });
        }
      } else {
        throw new CliError(`"${target}" is neither a directory nor a bundle file`, EXIT.usage);
      }
      if (opts.s3 !== undefined) {
        const { pushRevisionToS3 } = await import('../revisions/s3-push.ts'); // the S3 SDK only when asked for
        Object.assign(revision, { s3: await pushRevisionToS3(config, revision.sha256, opts.s3) });
      }
      if (opts.json) printJson(revision);
      else process.stdout.write(`Revision ${revision.sha256} (${revision.size} bytes, ${revision.bundleType}) stored\n`);
    });
}

async function validateOrFail(target: string, validate: () => Promise<unknown>): Promise<void> {
  try {
    await validate();
  } catch (err) {
    if (err instanceof RevisionInvalidError) throw new CliError(`Revision "${target}" is invalid: ${err.message}`, EXIT.failed);
    throw err;
  }
}

export async function pushDirectory(dataDir: string, dir: string): Promise<PushedRevision & { bundleType: 'zip' }> {
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

/** Stores a ready bundle as is (the caller has validated it). */
export async function pushBundle(dataDir: string, bundle: string, bundleType: BundleType): Promise<PushedRevision> {
  const store = await CoordinatorStore.open(dataDir);
  const { size } = await stat(bundle);
  const sha256 = await sha256File(bundle);
  await store.putRevision(bundle, { sha256, size, bundleType, createdAt: Date.now() });
  return { sha256, size, bundleType };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
