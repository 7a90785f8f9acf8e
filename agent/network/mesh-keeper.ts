// Keeps a host connected to a few other fleet hosts whenever it has lost its coordinator (its bootstrap peers).
// Hosts otherwise connect to each other only on demand (chunk sessions, slot streams), so the coordinator is
// the hub of the gossip graph: with it dead, a host restarted on a new port knew nobody and nobody knew it,
// and it never finished the deployments it had accepted. Candidates come from the address book (signed
// heartbeats, saved to disk); each host dials random ones, so the host-to-host graph is a random graph of
// degree at least `minPeers`, connected with high probability, and gossip crosses it without the coordinator.
// While the coordinator is connected the keeper dials nobody: 3 more connections per host doubled an idle
// 10-host fleet's CPU (27 to 54-56 ms per second per process), as every heartbeat then took more paths. For
// the same reason, once the coordinator has been back for a minute, it closes the connections it opened that
// carry nothing but gossip. A host at the other end still cut off from the coordinator simply dials again.
import { peerIdFromString } from '@libp2p/peer-id';
import type { Connection } from '@libp2p/interface';
import type { AddressBook } from './address-book.ts';
import { rememberAddrs } from './addresses.ts';
import type { FleetNode } from './node.ts';
import { RedialBackoff } from './redial-backoff.ts';

/** Fleet hosts each host stays connected to: gossipsub's mesh degree here (D = 3, agent/network/node.ts). */
export const MESH_MIN_PEERS = 3;
/**
 * How long the hub must have been unreachable before fleet hosts are dialled: longer than a bootstrap dial
 * takes at start. Without it every agent start dialled 3 hosts before its coordinator connection was up, and
 * those connections stay: after restarting a fleet, idle CPU as if the keeper always kept them.
 */
export const HUB_GRACE_MS = 5_000;
/** How long the hub must be back before the keeper closes its connections: a flapping hub causes no churn. */
export const HUB_BACK_RELEASE_MS = 60_000;
/** Streams that every connection carries while idle (gossipsub's); any other stream means the connection is in use. */
const IDLE_PROTOCOL = /^\/(meshsub|floodsub)\//;
const CHECK_MS = 2_000;
const DIAL_TIMEOUT_MS = 5_000;

/** Whether the hub has been out of reach for the grace period, or back for how long. Counts from construction (the agent's start). Pure. */
export class HubWatch {
  private lostAt: number | undefined;
  private backAt: number | undefined;

  constructor(now: number, private readonly graceMs = HUB_GRACE_MS) {
    this.lostAt = now;
  }

  /** Feeds the hub's state at `now`; returns whether the host should hold fleet connections of its own. */
  lostFor(connected: boolean, now: number): boolean {
    if (connected) {
      this.lostAt = undefined;
      this.backAt ??= now;
      return false;
    }
    this.backAt = undefined;
    this.lostAt ??= now;
    return now - this.lostAt >= this.graceMs;
  }

  /** How long the hub has been connected, as of the last `lostFor`; 0 while it is not. */
  connectedFor(now: number): number {
    return this.backAt === undefined ? 0 : now - this.backAt;
  }
}

export interface DialPlanInput {
  /** Fleet hosts known to the address book, this host excluded. */
  readonly candidates: readonly string[];
  readonly connected: ReadonlySet<string>;
  readonly dialing: ReadonlySet<string>;
  readonly minPeers: number;
  /** Whether a peer's backoff allows a dial now. */
  readonly due: (peer: string) => boolean;
  readonly random: () => number;
}

/** The hosts to dial now: random unconnected candidates, as many as the connected and dialing fall short of `minPeers`. Pure. */
export function planDials(input: DialPlanInput): string[] {
  const connected = input.candidates.filter((p) => input.connected.has(p)).length;
  let want = input.minPeers - connected - input.dialing.size;
  const pool = input.candidates.filter((p) => !input.connected.has(p) && !input.dialing.has(p) && input.due(p));
  const picked: string[] = [];
  while (want > 0 && pool.length > 0) {
    const i = Math.floor(input.random() * pool.length);
    picked.push(pool[i]!);
    pool[i] = pool[pool.length - 1]!;
    pool.pop();
    want--;
  }
  return picked;
}

export interface MeshKeeperOptions {
  readonly selfId: string;
  /** True while the host is connected to its coordinator (a bootstrap peer), which then joins it to the fleet. */
  readonly hubConnected: () => boolean;
  readonly log: (level: 'info' | 'warn' | 'debug', obj: Record<string, unknown>, msg: string) => void;
  readonly minPeers?: number;
  readonly hubGraceMs?: number;
  readonly hubBackReleaseMs?: number;
  readonly checkMs?: number;
  readonly baseMs?: number;
  readonly maxMs?: number;
  readonly random?: () => number;
}

export interface MeshKeeper {
  /** Stops the checks and saves the book if it changed. */
  stop(): Promise<void>;
}

/**
 * Tells libp2p where every host in the book can be dialled (so slot streams and chunk sessions reach them
 * after a restart too), then, once the hub has been out of reach for `hubGraceMs`, keeps at least `minPeers`
 * of them connected, with backoff for each host that does not answer, until the hub has been back for
 * `hubBackReleaseMs`. Saves the book at the next check after it changed.
 */
export async function keepMeshConnected(node: FleetNode, book: AddressBook, opts: MeshKeeperOptions): Promise<MeshKeeper> {
  for (const entry of book.peers()) {
    if (entry.peerId !== opts.selfId) await rememberAddrs(node, peerIdFromString(entry.peerId), entry.addrs).catch(() => undefined);
  }
  const minPeers = opts.minPeers ?? MESH_MIN_PEERS;
  const random = opts.random ?? Math.random;
  const backoff = new RedialBackoff(opts.baseMs, opts.maxMs);
  const dialing = new Set<string>();
  /** Connections this keeper opened, closed again once the hub is back and they carry only gossip. */
  const opened = new Set<Connection>();
  const hub = new HubWatch(performance.now(), opts.hubGraceMs);
  const release = (): void => {
    let closed = 0;
    for (const conn of opened) {
      if (conn.streams.every((s) => IDLE_PROTOCOL.test(s.protocol ?? ''))) {
        opened.delete(conn);
        closed++;
        conn.close().catch((err: unknown) => conn.abort(err as Error));
      }
    }
    if (closed > 0) opts.log('info', { closed }, 'coordinator reachable again; closed the fleet connections opened while it was not');
  };
  let isolated = false;
  let saving: Promise<unknown> = Promise.resolve();
  const save = (): void => {
    saving = saving.then(() => book.saveIfChanged()).catch((err: unknown) => opts.log('warn', { reason: (err as Error).message }, 'cannot save the fleet address book'));
  };

  const check = (): void => {
    // A write only when a host or an address is new: a few at start, then on restarts and moves.
    save();
    // Forget connections closed meanwhile, so a long outage with flapping links does not grow the set.
    for (const conn of opened) if (conn.status !== 'open') opened.delete(conn);
    const now = performance.now();
    if (!hub.lostFor(opts.hubConnected(), now)) {
      isolated = false;
      if (opened.size > 0 && hub.connectedFor(now) >= (opts.hubBackReleaseMs ?? HUB_BACK_RELEASE_MS)) release();
      return;
    }
    const candidates = book.peers().map((e) => e.peerId).filter((p) => p !== opts.selfId);
    const connected = new Set(candidates.filter((p) => node.getConnections(peerIdFromString(p)).length > 0));
    for (const p of connected) backoff.connected(p);
    if (connected.size === 0 && candidates.length > 0 && !isolated) {
      isolated = true;
      opts.log('warn', { known: candidates.length }, 'connected neither to the coordinator nor to another fleet host; dialing hosts from the address book');
    } else if (connected.size > 0 && isolated) {
      isolated = false;
      opts.log('info', { connected: connected.size }, 'connected to fleet hosts again');
    }
    for (const peer of planDials({ candidates, connected, dialing, minPeers, due: (p) => backoff.due(p, now), random })) {
      dialing.add(peer);
      node.dial(peerIdFromString(peer), { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
        .then((conn) => {
          backoff.connected(peer);
          opened.add(conn);
          opts.log('debug', { peer }, 'fleet host dialled');
        }, (err: unknown) => {
          const failures = backoff.failed(peer, performance.now());
          opts.log('debug', { peer, failures, reason: (err as Error).message }, 'fleet host unreachable; retrying with backoff');
        })
        .finally(() => dialing.delete(peer));
    }
  };
  const timer = setInterval(check, opts.checkMs ?? CHECK_MS);
  timer.unref();
  check();
  return {
    async stop() {
      clearInterval(timer);
      save();
      await saving;
    },
  };
}
