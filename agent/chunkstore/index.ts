// Public surface of the on-disk chunk store.

export { buildManifestFromFile } from './build-manifest.ts';
export type { BuildManifestOptions } from './build-manifest.ts';
export { manifestHashOf, sha256, sha256Hex } from './hash.ts';
export { DEFAULT_MAX_REVISIONS, listRevisions, planRetention, pruneRevisions } from './retention.ts';
export type { RetentionOptions, RevisionEntry } from './retention.ts';
export { ChunkStore, ChunkStoreError } from './store.ts';
export type { CompleteResult, OpenOptions, WriteChunkResult } from './store.ts';
