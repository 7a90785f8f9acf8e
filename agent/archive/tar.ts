import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { ArchiveError, toArchiveError } from './errors.ts';
import { safeMode } from './names.ts';
import type { TargetWriter } from './writer.ts';

/**
 * Streams a tar (optionally gzip) archive through node-tar's parser and writes entries one at a
 * time. The parser holds back the next entry until the current one is consumed, and the promise
 * chain keeps our async filesystem work strictly ordered.
 */
export function extractTar(archivePath: string, gzip: boolean, writer: TargetWriter): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const source = createReadStream(archivePath, { highWaterMark: 64 * 1024 });
    // strict: every parser warning (bad checksum, truncation, junk) becomes an error we report.
    const parser = new Parser({ strict: true });
    const gunzip = gzip ? createGunzip() : undefined;
    let chain: Promise<void> = Promise.resolve();
    let failed = false;
    let current: ReadEntry | undefined;

    const fail = (err: unknown, entry?: string, what = 'tar archive is corrupt'): void => {
      if (failed) return;
      failed = true;
      source.destroy();
      gunzip?.destroy();
      parser.abort(new Error('extraction stopped'));
      current?.destroy();
      reject(toArchiveError(err, entry, what));
    };

    parser.on('entry', (entry: ReadEntry) => {
      entry.on('error', () => undefined); // surfaced through the pipeline instead
      chain = chain.then(async () => {
        if (failed) return void entry.resume();
        current = entry;
        await extractEntry(entry, writer);
        entry.resume();
      }).catch((err: unknown) => fail(err, entry.path));
    });
    parser.on('ignoredEntry', (entry: ReadEntry) => {
      fail(new ArchiveError('UNSUPPORTED_ENTRY', entry.path, `tar entry type '${entry.type}' is not supported`));
    });
    parser.on('error', (err: unknown) => fail(err));
    parser.on('end', () => void chain.then(() => failed || resolve()));
    source.on('error', (err) => fail(err, undefined, 'cannot read archive'));
    if (gunzip) {
      gunzip.on('error', (err) => fail(err, undefined, 'gzip stream is corrupt or truncated'));
      source.pipe(gunzip).pipe(parser);
    } else {
      source.pipe(parser);
    }
  });
}

async function extractEntry(entry: ReadEntry, writer: TargetWriter): Promise<void> {
  const name = entry.path;
  // node-tar decodes names as UTF-8 with replacement characters; a U+FFFD means bad bytes.
  if (name.includes('\uFFFD') || (entry.linkpath ?? '').includes('\uFFFD')) {
    throw new ArchiveError('BAD_NAME_ENCODING', name, 'name or link target is not valid UTF-8');
  }
  const parts = writer.admit(name);
  switch (entry.type) {
    case 'Directory':
      return writer.directory(name, parts, safeMode(entry.mode, 0o755));
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      writer.declare(name, entry.size);
      return writer.file(name, parts, safeMode(entry.mode, 0o644), async () => entry, { declared: entry.size });
    case 'SymbolicLink':
      return writer.symlink(name, parts, entry.linkpath ?? '');
    case 'Link':
      // Hard links are refused outright: the installer copies files one by one, so a link buys
      // nothing, and refusing avoids reasoning about targets outside or not yet extracted.
      throw new ArchiveError('HARDLINK', name, `hard link to '${entry.linkpath ?? ''}' is not allowed`);
    default:
      throw new ArchiveError('UNSUPPORTED_ENTRY', name, `tar entry type '${entry.type}' (device, fifo or similar) is not allowed`);
  }
}
