// Limits and defaults for chunked revision transfer. Every limit carries the reason for its value.
// Figures cited as A1..A9 are from docs/shared reference "p2p-and-rollout-anchors" §0/§1.

const KiB = 1024;
const MiB = 1024 * KiB;

/** Manifest format version this code writes and accepts. */
export const MANIFEST_VERSION = 1;

/** Default chunk size: 4 MiB, Kraken's piece size (A5) and Dragonfly's lower bound (A8, A9). */
export const DEFAULT_CHUNK_SIZE = 4 * MiB;

/**
 * Smallest chunk size accepted: 4 KiB, one page / filesystem block, so every chunk offset in the sparse
 * bundle file is block aligned. Real bundles use megabytes; small sizes exist for tests.
 */
export const MIN_CHUNK_SIZE = 4 * KiB;

/**
 * Largest chunk size accepted: 64 MiB, Dragonfly v2's upper bound (A9). A host buffers each in-flight chunk
 * in memory until it is hashed, so total in flight × chunk size bounds memory (16 × 64 MiB = 1 GiB worst case).
 */
export const MAX_CHUNK_SIZE = 64 * MiB;

/**
 * Most chunks in one manifest: 65,536, i.e. 256 GiB at the default size (Kraken advises blobs under 10 GB,
 * A3). Bounds the manifest (about 67 bytes per chunk, so at most about 4.4 MB) and every per-chunk array.
 */
export const MAX_CHUNKS = 65_536;

/** Bytes of one chunk hash in the manifest: lowercase hex SHA-256. */
export const CHUNK_HASH_HEX_LENGTH = 64;

/** Upper bound on canonical manifest bytes, checked before parsing (fixed fields plus MAX_CHUNKS hashes). */
export const MAX_MANIFEST_BYTES = 512 + MAX_CHUNKS * (CHUNK_HASH_HEX_LENGTH + 3);

/** Bundle types a manifest may name: the CodeDeploy S3 revision types (codedeploy-agent reference §5). */
export const BUNDLE_TYPES = ['tar', 'tgz', 'zip'] as const;
export type BundleType = (typeof BUNDLE_TYPES)[number];

/** Requests outstanding to one peer: 3, Kraken's per-peer pipeline (A5); enough to hide one round trip. */
export const DEFAULT_MAX_IN_FLIGHT_PER_PEER = 3;

/**
 * Requests outstanding to the origin from one host: 2. Kraken lets origins take 5 (A5), but here the origin is
 * one thin uplink shared by the whole site; each host keeps it busy without queueing a long backlog there.
 */
export const DEFAULT_MAX_IN_FLIGHT_ORIGIN = 2;

/** Requests outstanding in total: 16, i.e. 64 MiB of buffers at 4 MiB chunks (see MAX_CHUNK_SIZE). */
export const DEFAULT_MAX_IN_FLIGHT_TOTAL = 16;

/** Kraken's piece timeout is max(4 s, 4 s per MB) (A5); we use the same rule per chunk. */
export const REQUEST_TIMEOUT_FLOOR_MS = 4_000;
export const REQUEST_TIMEOUT_MS_PER_MIB = 4_000;
export function requestTimeoutMsFor(chunkSize: number): number {
  return Math.max(REQUEST_TIMEOUT_FLOOR_MS, Math.ceil((chunkSize / MiB) * REQUEST_TIMEOUT_MS_PER_MIB));
}

/** Endgame starts when this many chunks or fewer are missing: 3, Kraken's threshold (A5). */
export const DEFAULT_ENDGAME_CHUNKS = 3;

/** In endgame a chunk may be requested from at most this many sources at once (one original + one duplicate). */
export const DEFAULT_ENDGAME_COPIES = 2;

/**
 * Consecutive failures (timeouts or refusals) after which a peer is suspended: 3, Kraken's passive health rule
 * (3 failures → skip, §1.1). A suspended peer does not count as a holder, so a chunk only it has may go to origin.
 */
export const DEFAULT_PEER_FAILURES_TO_SUSPEND = 3;

/** How long a suspended peer is ignored. Kraken skips an unhealthy tracker for 5 min; chunks retry sooner. */
export const DEFAULT_PEER_SUSPEND_MS = 30_000;

/**
 * Origin grace: a chunk that no peer has and that another host is expected to pull from the origin waits this
 * long after the swarm last gained a chunk (or the origin last sent this host bytes), per place in the stagger
 * order. It only runs out when the host ahead is stuck or the origin is slow to answer. 32 s (two request
 * timeouts) was most of a 64 MiB run to 10 hosts; 5 s was too short at 20 hosts, where every owner asks the
 * origin at once and the first chunk arrives only after hosts × chunk / origin rate (3.4 s at 25 MB/s), longer
 * on a busy machine: non-owners then asked too (origin 2.0× the bundle). 10 s: 1.4× there, and a stuck host
 * costs 10 s per stagger place.
 */
export const DEFAULT_ORIGIN_GRACE_MS = 10_000;

/**
 * Discovery delay before the first origin request: 2 s, about the time a libp2p mesh of 10–30 nodes takes to
 * form (platform notes: 1.2–2.2 s), so peers' bitfields are known before the origin is asked for anything.
 */
export const DEFAULT_ORIGIN_DISCOVERY_MS = 2_000;

/** The stagger order is cut at this many grace periods, so a chunk waits at most 8 × grace for the origin. */
export const ORIGIN_STAGGER_SLOTS_MAX = 8;

/** A download with no verified chunk for this long raises `download:stalled` (balena tolerates ~20 min, A33). */
export const DEFAULT_STALL_TIMEOUT_MS = 120_000;

/** Pseudo-peer id of the origin (the seed that holds every chunk). */
export const DEFAULT_ORIGIN_ID = 'origin';
