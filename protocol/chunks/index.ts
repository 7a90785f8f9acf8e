// Public surface of chunked revision transfer: the manifest format and the sans-IO download scheduler.

export { Bitfield } from './bitfield.ts';
export * from './constants.ts';
export {
  ManifestError,
  chunkCountFor,
  chunkLength,
  chunkOffset,
  decodeManifest,
  digestMatches,
  encodeManifest,
  manifestHash,
  toHex,
  validateManifest,
} from './manifest.ts';
export type { Manifest, Sha256Fn } from './manifest.ts';
export { ChunkScheduler, staggerSlot } from './scheduler.ts';
export type {
  ChunkSchedulerInit,
  DropReason,
  OriginInit,
  PeerId,
  SchedulerEvent,
  Transmit,
} from './scheduler-types.ts';
