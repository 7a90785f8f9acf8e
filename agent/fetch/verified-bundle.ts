// Writes a whole bundle the way every source must: bytes stream to `<dest>.partial` while they are hashed,
// and the file is fsynced and renamed into place only when its size and SHA-256 match the signed intent.
// Anything else removes the partial file, so an unverified bundle never sits at `dest`.
import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import type { RevisionRef } from '../../protocol/messages/intent.ts';
import { RevisionFetchError } from './revision-source.ts';

/**
 * Runs `fill`, which calls `write` with the bundle's bytes in order (`write` returns the running total
 * and refuses more than the intent's size, naming `source`), then verifies and commits the file.
 */
export async function writeVerifiedBundle(
  revision: Pick<RevisionRef, 'sha256' | 'size'>,
  destFile: string,
  source: string,
  fill: (write: (bytes: Uint8Array) => Promise<number>) => Promise<void>,
): Promise<void> {
  const partial = `${destFile}.partial`;
  const file = await open(partial, 'w');
  const hash = createHash('sha256');
  let total = 0;
  try {
    await fill(async (bytes) => {
      total += bytes.byteLength;
      if (total > revision.size) throw new RevisionFetchError(`${source} sent more than the ${revision.size} bytes the intent names`);
      hash.update(bytes);
      await file.write(bytes);
      return total;
    });
    if (total !== revision.size) throw new RevisionFetchError(`${source} sent ${total} of ${revision.size} bytes`);
    const digest = hash.digest('hex');
    if (digest !== revision.sha256) throw new RevisionFetchError(`content hash mismatch: got ${digest}, the signed intent says ${revision.sha256}`);
    await file.sync();
  } catch (err) {
    await file.close();
    await rm(partial, { force: true });
    throw err;
  }
  await file.close();
  await rename(partial, destFile);
}
