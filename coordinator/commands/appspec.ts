// `convoy appspec validate <appspec file | revision dir | bundle>`: parse an AppSpec exactly as the agent will,
// offline (no coordinator needed), so CI can refuse a bad revision before it is pushed. Also home of the bundle
// helpers `convoy push` shares: bundle-type detection by magic bytes and "extract to a temp dir, find and parse
// the appspec inside".
import { open, mkdtemp, readFile, rm, stat, access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { ArchiveError, extractBundle, type BundleType } from '../../agent/archive/index.ts';
import {
  AppSpecError,
  appSpecCandidates,
  appSpecFileNameProblem,
  parseAppSpec,
  toNormalisedJson,
  type AppSpec,
} from '../../protocol/appspec/index.ts';
import { CliError, EXIT } from '../cli/errors.ts';
import { printJson } from './common.ts';

/** What a path given on the command line turned out to be. */
export type RevisionInputKind = 'file' | 'directory' | BundleType;

export interface ValidatedRevision {
  readonly kind: RevisionInputKind;
  /** The appspec file that was parsed (inside the temp dir for a bundle: relative to the bundle root). */
  readonly appspecFile: string;
  readonly appspec: AppSpec;
  /** Hook scripts and file sources the appspec names that the revision does not hold (dir and bundle only). */
  readonly warnings: readonly string[];
  /** Set for bundles: the top-level folder that extraction stripped, as the agent will. */
  readonly strippedTopLevel?: string;
}

/**
 * A validation failure for an otherwise well-formed request: exit code 1, with the offending appspec key
 * and value when the appspec itself is the problem.
 */
export class RevisionInvalidError extends Error {
  override readonly name = 'RevisionInvalidError';
  constructor(message: string, readonly key?: string, readonly value?: string) {
    super(message);
  }
}

export function registerAppspec(program: Command): void {
  const appspec = program.command('appspec').description('work with AppSpec files offline (no coordinator needed)');
  appspec
    .command('validate <path>')
    .description('parse an appspec.yml, a revision directory or a zip/tar/tgz bundle exactly as the agent will')
    .option('--json', 'on success print the normalised AppSpec as JSON (itself a valid appspec)')
    .option('--appspec-name <name>', 'AppSpec file name to look for in a directory or bundle before appspec.yml and appspec.yaml')
    .option('--quiet', 'print nothing on success; errors still go to stderr')
    .addHelpText('after', `
<path> may be:
  an AppSpec file            appspec.yml (any file that is not a zip/tar/gzip archive)
  a revision directory       holding appspec.yml (or appspec.yaml, or --appspec-name) at its root
  a bundle                   .zip, .tar, .tgz or .tar.gz (recognised by its first bytes, else by name); it is
                             unpacked with the agent's hardened extractor into a temp dir, a single
                             top-level folder is stripped as the agent does, and the appspec inside is parsed

Hook scripts and file sources missing from a directory or bundle are reported as warnings on stderr
(the deployment would fail with ScriptMissing or at Install); they do not change the exit code.

Exit codes: 0 valid, 1 invalid (the message names the offending key and value, or the archive entry),
            2 usage error (missing or unknown option, path that does not exist).

Example (CI step, fails the build on a bad revision):
  convoy appspec validate ./build/my-app && convoy push ./build/my-app
  convoy appspec validate dist/my-app.tgz --json > appspec.normalised.json`)
    .action(async (target: string, opts: { json?: boolean; appspecName?: string; quiet?: boolean }) => {
      if (opts.appspecName !== undefined) {
        const problem = appSpecFileNameProblem(opts.appspecName);
        if (problem !== undefined) throw new CliError(`--appspec-name: ${problem}`, EXIT.usage);
      }
      let result: ValidatedRevision;
      try {
        result = await validateRevisionPath(target, opts.appspecName);
      } catch (err) {
        if (err instanceof RevisionInvalidError) throw new CliError(`${target} is invalid: ${err.message}`, EXIT.failed);
        throw err;
      }
      for (const w of result.warnings) process.stderr.write(`convoy: warning: ${w}\n`);
      if (opts.json) printJson(toNormalisedJson(result.appspec));
      else if (!opts.quiet) process.stdout.write(`${target}: valid (${describe(result)})\n`);
    });
}

function describe(r: ValidatedRevision): string {
  const events = Object.keys(r.appspec.hooks);
  const scripts = Object.values(r.appspec.hooks).reduce((n, list) => n + list.length, 0);
  const where = r.kind === 'file' ? '' : `${r.kind} revision, ${r.appspecFile}; `;
  return `${where}${events.length} hook events, ${scripts} scripts, ${r.appspec.files.length} file mappings, ${r.appspec.permissions.length} permissions`;
}

/**
 * Validates whatever `target` is. Throws CliError(EXIT.usage) when it does not exist, RevisionInvalidError
 * for a bad appspec or bundle.
 */
export async function validateRevisionPath(target: string, customName?: string): Promise<ValidatedRevision> {
  const info = await stat(target).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`"${target}" ${err.code === 'ENOENT' ? 'does not exist' : `cannot be read: ${err.message}`}`, EXIT.usage);
  });
  if (info.isDirectory()) return { kind: 'directory', ...(await validateRevisionDir(target, customName)) };
  if (!info.isFile()) throw new CliError(`"${target}" is neither a file nor a directory`, EXIT.usage);
  const bundleType = (await detectBundleType(target)) ?? bundleTypeFromName(target);
  if (bundleType !== undefined) return validateBundle(target, bundleType, customName);
  const text = await readFile(target, 'utf8');
  return { kind: 'file', appspecFile: target, appspec: parseOrExplain(text), warnings: [] };
}

/** Finds and parses the appspec at the root of an unpacked revision; warns about missing scripts and sources. */
export async function validateRevisionDir(dir: string, customName?: string): Promise<Omit<ValidatedRevision, 'kind'>> {
  const names = appSpecCandidates(customName);
  for (const name of names) {
    let text: string;
    try {
      text = await readFile(path.join(dir, name), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw new RevisionInvalidError(`cannot read ${name}: ${(err as Error).message}`);
    }
    const appspec = parseOrExplain(text, name);
    return { appspecFile: name, appspec, warnings: await missingReferences(dir, appspec) };
  }
  throw new RevisionInvalidError(`no AppSpec file (${names.join(' or ')}) at the root of the revision`);
}

/** Unpacks a bundle into a temp dir with the agent's extractor and validates the revision inside. */
export async function validateBundle(bundle: string, bundleType: BundleType, customName?: string): Promise<ValidatedRevision> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'convoy-validate-'));
  try {
    const target = path.join(tmp, 'revision');
    let stripped: string | undefined;
    try {
      stripped = (await extractBundle(bundle, bundleType, target)).strippedTopLevel;
    } catch (err) {
      if (err instanceof ArchiveError) throw new RevisionInvalidError(`${bundleType} bundle refused (${err.code}): ${err.message}`);
      throw err;
    }
    const inner = await validateRevisionDir(target, customName);
    return { kind: bundleType, ...inner, ...(stripped !== undefined ? { strippedTopLevel: stripped } : {}) };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function parseOrExplain(text: string, name?: string): AppSpec {
  try {
    return parseAppSpec(text);
  } catch (err) {
    if (err instanceof AppSpecError) {
      const at = err.key === '' ? '' : ` [key: ${err.key}${err.value === '' ? '' : `, value: ${JSON.stringify(err.value)}`}]`;
      throw new RevisionInvalidError(`${name === undefined ? '' : `${name}: `}${err.message}${at}`, err.key, err.value);
    }
    throw err;
  }
}

async function missingReferences(dir: string, appspec: AppSpec): Promise<string[]> {
  const warnings: string[] = [];
  for (const [event, scripts] of Object.entries(appspec.hooks)) {
    for (const s of scripts) {
      if (!(await exists(path.join(dir, s.location)))) warnings.push(`hooks.${event}: script "${s.location}" is not in the revision (the event would fail with ScriptMissing)`);
    }
  }
  for (const [i, f] of appspec.files.entries()) {
    if (!(await exists(path.join(dir, f.source)))) warnings.push(`files[${i}].source: "${f.source}" is not in the revision`);
  }
  return warnings;
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

/**
 * The bundle type of a file by its first bytes: zip (`PK\3\4`, or `PK\5\6` for an empty archive), gzip
 * (taken as tgz), or POSIX/GNU tar (`ustar` at offset 257). Undefined for anything else, such as YAML text.
 */
export async function detectBundleType(file: string): Promise<BundleType | undefined> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return bundleTypeOf(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** By file name, for archives whose first bytes say nothing (pre-POSIX tar): the extractor then decides. */
export function bundleTypeFromName(file: string): BundleType | undefined {
  const name = file.toLowerCase();
  if (name.endsWith('.zip')) return 'zip';
  if (name.endsWith('.tgz') || name.endsWith('.tar.gz')) return 'tgz';
  if (name.endsWith('.tar')) return 'tar';
  return undefined;
}

export function bundleTypeOf(head: Uint8Array): BundleType | undefined {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return 'zip';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tgz';
  if (head.length >= 262 && Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}
