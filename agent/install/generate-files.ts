// Turns `files` mappings into copy/mkdir instructions (reference §3.2-3.4, conflicts §3.6 I01-I05).
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FileMapping } from '../../protocol/appspec/types.ts';
import { InstallError, ioError } from './errors.ts';
import type { FileInstruction } from './instructions.ts';
import type { InstallLogger } from './logger.ts';
import { assertRecordable, destinationPath, sourcePath } from './paths.ts';

export interface FilePlan {
  readonly instructions: FileInstruction[];
  /** destination -> source for every copy. */
  readonly copies: ReadonlyMap<string, string>;
  readonly mkdirs: ReadonlySet<string>;
}

export interface FilePlanInput {
  readonly archiveDir: string;
  readonly files: readonly FileMapping[];
  /** Already resolved by precedence; may be any string when it came from a deployment override. */
  readonly behavior: string;
  readonly destinationRoot?: string;
  readonly logger: InstallLogger;
}

export async function planFiles(input: FilePlanInput): Promise<FilePlan> {
  const builder = new FilePlanBuilder(input);
  for (const mapping of input.files) {
    const source = sourcePath(input.archiveDir, mapping.source);
    const destination = destinationPath(mapping.destination, input.destinationRoot);
    const info = await lstatOrUndefined(source);
    // Symlinks are never followed: a link to a directory is installed as a link (see copy.ts).
    if (info?.isDirectory() === true) await builder.directorySource(source, destination);
    else await builder.fileSource(source, destination);
  }
  return { instructions: builder.instructions, copies: builder.copies, mkdirs: builder.mkdirs };
}

class FilePlanBuilder {
  readonly instructions: FileInstruction[] = [];
  readonly copies = new Map<string, string>();
  readonly mkdirs = new Set<string>();
  readonly #stopAt: string;

  constructor(private readonly input: FilePlanInput) {
    this.#stopAt = input.destinationRoot === undefined ? '/' : path.resolve(input.destinationRoot);
  }

  /** A file source goes INTO the destination directory under its own name. */
  async fileSource(source: string, destination: string): Promise<void> {
    await this.ensureDirectory(destination);
    await this.file(source, path.join(destination, path.basename(source)));
  }

  /** A directory source has its contents (not itself) copied into the destination, recursively. */
  async directorySource(source: string, destination: string): Promise<void> {
    await this.ensureDirectory(destination);
    let entries;
    try {
      entries = await readdir(source, { withFileTypes: true });
    } catch (err) {
      throw ioError('reading source directory', source, err);
    }
    for (const entry of entries) {
      assertRecordable(entry.name);
      const from = path.join(source, entry.name);
      const to = path.join(destination, entry.name);
      if (entry.isDirectory()) await this.directorySource(from, to);
      else await this.file(from, to);
    }
  }

  /** Missing ancestors top-down, then the directory itself unless it already is one. */
  private async ensureDirectory(dir: string): Promise<void> {
    const missing: string[] = [];
    for (let p = path.dirname(dir); !this.#isBoundary(p); p = path.dirname(p)) {
      if (this.mkdirs.has(p) || (await lstatOrUndefined(p)) !== undefined) break;
      missing.push(p);
    }
    for (const p of missing.reverse()) this.mkdir(p, dir);
    if (!this.mkdirs.has(dir) && !(await isDirectoryOnDisk(dir))) this.mkdir(dir, dir);
  }

  #isBoundary(p: string): boolean {
    return p === this.#stopAt || p === path.dirname(p) || !p.startsWith(this.#stopAt);
  }

  private mkdir(dir: string, requestedFor: string): void {
    if (this.copies.has(dir)) {
      throw new InstallError(
        'DIRECTORY_OVER_FILE',
        `The deployment includes an mkdir command more than once for the same destination path (${dir}) from (${requestedFor}): a file is already installed there`,
        dir,
      );
    }
    if (this.mkdirs.has(dir)) return;
    this.mkdirs.add(dir);
    this.instructions.push({ type: 'mkdir', directory: dir });
  }

  private async file(source: string, target: string): Promise<void> {
    if ((await lstatOrUndefined(target)) !== undefined && !this.#keepGoing(target)) return;
    const previous = this.copies.get(target);
    if (previous !== undefined) {
      throw new InstallError(
        'DUPLICATE_DESTINATION',
        `The deployment specifies two source files named ${source} and ${previous} for the same destination (${target})`,
        target,
      );
    }
    if (this.mkdirs.has(target)) {
      throw new InstallError(
        'FILE_OVER_DIRECTORY',
        `The deployment calls for installing the file ${source}, but a file with that name already exists at the location (${target}) as a directory created by this deployment`,
        target,
      );
    }
    this.copies.set(target, source);
    this.instructions.push({ type: 'copy', source, destination: target });
  }

  /** file_exists_behavior for an existing destination: true = copy over it, false = leave it. */
  #keepGoing(target: string): boolean {
    switch (this.input.behavior) {
      case 'OVERWRITE':
        return true;
      case 'RETAIN':
        // Not recorded for cleanup: Convoy never deletes a file it did not install (decision 5).
        this.input.logger.info({ path: target }, 'file exists, retained');
        return false;
      case 'DISALLOW':
        throw new InstallError(
          'FILE_EXISTS',
          `The deployment failed because a specified file already exists at this location: ${target}`,
          target,
        );
      default:
        throw new InstallError(
          'INVALID_FILE_EXISTS_BEHAVIOR',
          `The deployment failed because an invalid option was specified for fileExistsBehavior (${this.input.behavior}) while ${target} exists; use DISALLOW, OVERWRITE or RETAIN`,
          target,
        );
    }
  }
}

export async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw ioError('lstat', p, err);
  }
}

export async function isDirectoryOnDisk(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch (err) {
    if (isMissing(err)) return false;
    throw ioError('stat', p, err);
  }
}

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
