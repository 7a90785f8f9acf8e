// Public types of the chunk scheduler: its configuration, its outputs (transmits and events).

/** Opaque peer id (a libp2p PeerId string in production). The origin is a pseudo-peer with its own id. */
export type PeerId = string;

/** Where the origin (the seed holding every chunk) fits into scheduling. */
export interface OriginInit {
  /** Pseudo-peer id used in transmits and inputs for the origin. Default `origin`. */
  readonly id?: string;
  /** Whether the origin is reachable at start. Default true; change later with `originAvailable`. */
  readonly available?: boolean;
  /**
   * The origin may serve a chunk held by fewer than this many reachable peers (after the grace period).
   * Default 1: only chunks no reachable peer has go to the origin.
   */
  readonly minPeers?: number;
  /**
   * No origin request before this many ms after the start, so peers' `have` announcements arrive first and a
   * host joining a swarm that already holds the revision never touches the origin.
   */
  readonly discoveryMs?: number;
  /** Grace period per stagger slot, ms, counted from the last time the swarm gained a chunk. */
  readonly graceMs?: number;
  /**
   * This host's rank among `hosts` hosts starting the same download (0-based; e.g. its index in the sorted
   * target list of the deployment). Chunk `i` is owned by rank `i mod hosts`: its owner asks the origin at
   * once; host at distance d (in rank order) waits d grace periods, so the origin sends each chunk about once.
   * Default rank 0 of 1 host (this host owns every chunk).
   */
  readonly rank?: number;
  readonly hosts?: number;
  /** Requests outstanding to the origin from this host. */
  readonly maxInFlight?: number;
}

export interface ChunkSchedulerInit {
  /** Number of chunks in the manifest. */
  readonly chunkCount: number;
  /** Monotonic time (ms) at which the download starts. */
  readonly now: number;
  /** Seed for tie-breaks (chunk order among equally rare chunks, peer order among equally loaded peers). */
  readonly seed: number;
  /** Chunks already verified on disk (resume). */
  readonly verified?: Iterable<number>;
  /** Origin settings; `false` for a download with no origin at all. */
  readonly origin?: OriginInit | false;
  readonly maxInFlightPerPeer?: number;
  readonly maxInFlightTotal?: number;
  readonly requestTimeoutMs?: number;
  /** Endgame starts when this many chunks or fewer are missing. */
  readonly endgameChunks?: number;
  /** Most sources one chunk is requested from at once during endgame. */
  readonly endgameCopies?: number;
  readonly peerFailuresToSuspend?: number;
  readonly peerSuspendMs?: number;
  readonly stallTimeoutMs?: number;
}

/** Output for the host's I/O layer: open a chunk request to a peer, or abort one. */
export type Transmit =
  | { readonly kind: 'request'; readonly peer: PeerId; readonly index: number }
  | { readonly kind: 'cancel'; readonly peer: PeerId; readonly index: number };

export type DropReason = 'corrupt-chunk' | 'bad-bitfield' | 'bad-index';

export type SchedulerEvent =
  /** Chunk `index` arrived from `peer` and the host verified its hash; announce it to peers. */
  | { readonly type: 'chunk:verified'; readonly index: number; readonly peer: PeerId }
  /** `peer` is excluded from this revision for good (close its streams for it). */
  | { readonly type: 'peer:dropped'; readonly peer: PeerId; readonly reason: DropReason; readonly index?: number }
  /** Every chunk is verified; the host should now check the whole-bundle hash. */
  | { readonly type: 'download:complete' }
  /**
   * No chunk was verified for `stallTimeoutMs`. `noSource` counts missing chunks that no reachable peer has
   * and the origin cannot serve. Raised once per stall; the download goes on.
   */
  | { readonly type: 'download:stalled'; readonly missing: number; readonly noSource: number };
