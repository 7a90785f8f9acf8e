import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArchiveError, toArchiveError } from './errors.ts';
import { RATIO_MIN_BYTES, type ExtractLimits } from './limits.ts';
import { checkLinkTarget, entryParts } from './names.ts';

export interface SizeInfo {
  /** Size the archive header promises; more data than this is corruption. */
  declared?: number;
  /** Compressed size of this entry (zip only), for the per-entry ratio. */
  compressed?: number;
}

export type DataSource = Readable | AsyncIterable<Buffer>;

export interface CreatedLink {
  entry: string;
  parts: string[];
  target: string;
}

// O_EXCL makes open fail on anything already there, including a symlink planted at the final component.
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Writes entries under `root` (a real path) one at a time. Every parent component is lstat-checked
 * before use, so nothing is ever written through a symlink, whoever created it.
 */
export class TargetWriter {
  entries = 0;
  /** Bytes actually written. */
  bytes = 0;
  readonly links: CreatedLink[] = [];
  private declaredTotal = 0;
  private readonly seen = new Set<string>();
  private readonly verifiedDirs = new Set<string>(['']);
  /** Directories this extraction created, with the mode to apply once all children are written. */
  private readonly createdDirs = new Map<string, number>();

  constructor(
    readonly root: string,
    readonly limits: ExtractLimits,
    readonly archiveBytes: number,
  ) {}

  /** Counts an entry, validates its name and refuses a second entry for the same path. */
  admit(name: string): string[] {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) {
      throw new ArchiveError('TOO_MANY_ENTRIES', name, `archive has more than maxEntries=${this.limits.maxEntries} entries`);
    }
    const parts = entryParts(name);
    const key = parts.join('/');
    if (parts.length > 0 && this.seen.has(key)) {
      throw new ArchiveError('DUPLICATE_ENTRY', name, `path '${key}' appears more than once`);
    }
    this.seen.add(key);
    return parts;
  }

  /** Checks header-declared sizes before any byte is streamed. */
  declare(name: string, size: number, compressed?: number): void {
    this.declaredTotal += size;
    const err = this.overLimit(name, size, this.declaredTotal, compressed, 'declares');
    if (err) throw err;
  }

  async directory(name: string, parts: string[], mode: number): Promise<void> {
    if (parts.length === 0) return; // "./" is the root itself
    await this.ensureDirs(name, parts, parts.length);
    const key = parts.join('/');
    if (this.createdDirs.has(key)) this.createdDirs.set(key, mode);
  }

  /** `open` is called only once the file is ready, so no data flows (or fails) before we listen. */
  async file(name: string, parts: string[], mode: number, open: () => Promise<DataSource>, size: SizeInfo): Promise<void> {
    const abs = await this.prepareLeaf(name, parts);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(abs, CREATE_FLAGS, 0o600);
    } catch (err) {
      throw this.fsError(err, name);
    }
    let written = 0;
    const meter = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        written += chunk.length;
        this.bytes += chunk.length;
        done(this.overLimit(name, written, this.bytes, size.compressed, 'holds', size.declared) ?? null, chunk);
      },
    });
    try {
      // Permissions are checked at open, so a read-only mode can be set before writing.
      await handle.chmod(mode);
      await pipeline(await open(), meter, handle.createWriteStream());
    } catch (err) {
      throw toArchiveError(err, name, 'reading entry data failed');
    } finally {
      await handle.close().catch(() => undefined);
    }
    if (size.declared !== undefined && written !== size.declared) {
      throw new ArchiveError('CORRUPT', name, `declares ${size.declared} bytes but holds ${written}`);
    }
  }

  async symlink(name: string, parts: string[], target: string): Promise<void> {
    checkLinkTarget(name, parts, target);
    const abs = await this.prepareLeaf(name, parts);
    try {
      await fsp.symlink(target, abs);
    } catch (err) {
      throw this.fsError(err, name);
    }
    this.links.push({ entry: name, parts, target });
  }

  /** Applies directory modes deepest first, keeping owner rwx so the agent can read and clean up. */
  async finish(): Promise<void> {
    const dirs = [...this.createdDirs].sort((a, b) => b[0].split('/').length - a[0].split('/').length);
    for (const [rel, mode] of dirs) {
      await fsp.chmod(path.join(this.root, rel), mode | 0o700).catch((err: unknown) => {
        throw this.fsError(err, rel);
      });
    }
  }

  private async prepareLeaf(name: string, parts: string[]): Promise<string> {
    if (parts.length === 0) throw new ArchiveError('BAD_NAME', name, 'names the bundle root, not a file');
    await this.ensureDirs(name, parts, parts.length - 1);
    return path.join(this.root, ...parts);
  }

  /** Makes parts[0..count) exist as real directories, refusing symlinks and files on the way. */
  private async ensureDirs(name: string, parts: string[], count: number): Promise<void> {
    for (let i = 1; i <= count; i++) {
      const rel = parts.slice(0, i).join('/');
      if (this.verifiedDirs.has(rel)) continue;
      const abs = path.join(this.root, rel);
      const st = await fsp.lstat(abs).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw this.fsError(err, name);
      });
      if (st === undefined) {
        await fsp.mkdir(abs, 0o700).catch((err: unknown) => {
          throw this.fsError(err, name);
        });
        this.createdDirs.set(rel, 0o755);
      } else if (st.isSymbolicLink()) {
        throw new ArchiveError('THROUGH_SYMLINK', name, `'${rel}' is a symlink; refusing to write through it`);
      } else if (!st.isDirectory()) {
        throw new ArchiveError('PATH_CONFLICT', name, `'${rel}' exists and is not a directory`);
      }
      this.verifiedDirs.add(rel);
    }
  }

  private overLimit(
    name: string,
    entryBytes: number,
    totalBytes: number,
    compressed: number | undefined,
    verb: string,
    declared?: number,
  ): ArchiveError | undefined {
    const { maxEntryBytes, maxTotalBytes, maxCompressionRatio } = this.limits;
    if (entryBytes > maxEntryBytes) {
      return new ArchiveError('ENTRY_TOO_LARGE', name, `${verb} more than maxEntryBytes=${maxEntryBytes} bytes`);
    }
    if (totalBytes > maxTotalBytes) {
      return new ArchiveError('TOTAL_TOO_LARGE', name, `archive ${verb} more than maxTotalBytes=${maxTotalBytes} bytes`);
    }
    if (declared !== undefined && entryBytes > declared) {
      return new ArchiveError('CORRUPT', name, `holds more data than the ${declared} bytes its header declares`);
    }
    const ratio = (n: number, d: number): number => n / Math.max(d, 1);
    if (compressed !== undefined && entryBytes > RATIO_MIN_BYTES && ratio(entryBytes, compressed) > maxCompressionRatio) {
      return new ArchiveError('RATIO_EXCEEDED', name,
        `${verb} ${entryBytes} bytes from ${compressed} compressed (ratio above maxCompressionRatio=${maxCompressionRatio})`);
    }
    if (totalBytes > RATIO_MIN_BYTES && ratio(totalBytes, this.archiveBytes) > maxCompressionRatio) {
      return new ArchiveError('RATIO_EXCEEDED', name,
        `archive ${verb} ${totalBytes} bytes from a ${this.archiveBytes}-byte file (ratio above maxCompressionRatio=${maxCompressionRatio})`);
    }
    return undefined;
  }

  private fsError(err: unknown, name: string): ArchiveError {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ELOOP') {
      return new ArchiveError('PATH_CONFLICT', name, `something already exists in the way (${code})`, { cause: err });
    }
    return toArchiveError(err, name, 'filesystem error');
  }
}
