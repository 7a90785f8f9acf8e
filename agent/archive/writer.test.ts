import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveError } from './errors.ts';
import { DEFAULT_EXTRACT_LIMITS, RATIO_MIN_BYTES, type ExtractLimits } from './limits.ts';
import { sandbox, type Sandbox } from './testing.ts';
import { TargetWriter } from './writer.ts';

// Headers normally catch oversize entries first; these tests drive the streaming meter directly with
// a source that lies, to prove it stops as soon as a limit is crossed.
let sb: Sandbox;
beforeEach(async () => {
  sb = await sandbox();
  await fsp.mkdir(sb.target, { recursive: true });
});
afterEach(async () => {
  await sb.cleanup();
});

const CHUNK = 64 * 1024;

/** An endless source counting how much was pulled from it. */
function endless(): { source: Readable; pulled: () => number } {
  let pulled = 0;
  const source = new Readable({
    read() {
      pulled += CHUNK;
      this.push(Buffer.alloc(CHUNK));
    },
  });
  return { source, pulled: () => pulled };
}

async function streamInto(limits: Partial<ExtractLimits>, archiveBytes: number, compressed?: number) {
  const writer = new TargetWriter(sb.target, { ...DEFAULT_EXTRACT_LIMITS, ...limits }, archiveBytes);
  const { source, pulled } = endless();
  const err = await writer
    .file('f', writer.admit('f'), 0o644, async () => source, compressed === undefined ? {} : { compressed })
    .catch((e: unknown) => e);
  const size = (await fsp.stat(path.join(sb.target, 'f'))).size;
  return { err: err as ArchiveError, size, pulled: pulled() };
}

describe('TargetWriter streaming limits', () => {
  it('stops at maxEntryBytes', async () => {
    const r = await streamInto({ maxEntryBytes: 1_000_000 }, 10 ** 9);
    expect(r.err.code).toBe('ENTRY_TOO_LARGE');
    expect(r.size).toBeLessThanOrEqual(1_000_000);
    expect(r.pulled).toBeLessThan(1_000_000 + 20 * CHUNK);
  });

  it('stops at maxTotalBytes', async () => {
    const r = await streamInto({ maxTotalBytes: 500_000 }, 10 ** 9);
    expect(r.err.code).toBe('TOTAL_TOO_LARGE');
    expect(r.size).toBeLessThanOrEqual(500_000);
  });

  it('stops when the per-entry compression ratio is crossed', async () => {
    const r = await streamInto({}, 10 ** 9, 1000);
    expect(r.err.code).toBe('RATIO_EXCEEDED');
    expect(r.size).toBeLessThanOrEqual(RATIO_MIN_BYTES);
  });

  it('stops when the whole-archive ratio is crossed', async () => {
    const r = await streamInto({}, 2000);
    expect(r.err.code).toBe('RATIO_EXCEEDED');
    expect(r.err.message).toContain('2000-byte file');
    expect(r.size).toBeLessThanOrEqual(RATIO_MIN_BYTES);
  });
});
