// Where a host gets a revision's bytes. DownloadBundle depends only on this interface, so the whole-bundle
// seed fetch below can be replaced by a chunk swarm or an S3 origin without touching the lifecycle.
import type { RevisionRef } from '../../protocol/messages/intent.ts';

export interface FetchProgress {
  readonly bytes: number;
  readonly total: number;
  readonly peers: number;
}

/** What a source may use beyond the revision itself. */
export interface FetchHints {
  /** Other hosts of the deployment: once they hold the revision they serve it too. */
  readonly peers: readonly string[];
  /** Give up after this time (epoch ms), e.g. the intent's expiry. */
  readonly deadline: number;
}

export interface RevisionSource {
  /**
   * Writes the revision's bundle to `destFile`, verified: resolves only when the bytes on disk hash to
   * `revision.sha256` and have `revision.size` bytes. Never leaves an unverified file at `destFile`.
   */
  fetch(revision: RevisionRef, destFile: string, onProgress: (p: FetchProgress) => void, signal: AbortSignal, hints?: FetchHints): Promise<void>;
}

export class RevisionFetchError extends Error {
  override readonly name = 'RevisionFetchError';
}
