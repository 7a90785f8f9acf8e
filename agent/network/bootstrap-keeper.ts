// Keeps a node connected to its bootstrap peers (for a host: its coordinator). libp2p's bootstrap module
// dials them once, at start, and its reconnect queue gives up after a few tries. So a host started while its
// coordinator was down, or whose connection dropped (a coordinator restart, a link that flapped), stayed cut
// off from it until the coordinator happened to dial the host, which a coordinator that never knew the host
// (a new host, or a fleet.json lost or not yet flushed) never did.
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import type { FleetNode } from './node.ts';
import { RedialBackoff } from './redial-backoff.ts';

/** How often the connections are checked. */
const CHECK_MS = 1_000;
const DIAL_TIMEOUT_MS = 5_000;

export interface BootstrapKeeperOptions {
  readonly log: (level: 'info' | 'warn' | 'debug', obj: Record<string, unknown>, msg: string) => void;
  readonly baseMs?: number;
  readonly maxMs?: number;
  readonly checkMs?: number;
}

export interface BootstrapKeeper {
  /** Whether the node has a connection to at least one of its bootstrap peers (false with none configured). */
  anyConnected(): boolean;
  stop(): void;
}

/** Redials every bootstrap peer the node has no connection to, with backoff, until stopped. */
export function keepBootstrapConnected(node: FleetNode, list: readonly string[], opts: BootstrapKeeperOptions): BootstrapKeeper {
  const peers = groupByPeer(list);
  if (peers.size === 0) return { anyConnected: () => false, stop: () => undefined };
  const backoff = new RedialBackoff(opts.baseMs, opts.maxMs);
  const dialing = new Set<string>();
  const check = (): void => {
    const now = performance.now();
    for (const [peer, addrs] of peers) {
      if (node.getConnections(peerIdFromString(peer)).length > 0) {
        const failures = backoff.connected(peer);
        if (failures > 0) opts.log('info', { peer, failures }, 'bootstrap peer reachable again');
        continue;
      }
      if (dialing.has(peer) || !backoff.due(peer, now)) continue;
      dialing.add(peer);
      node.dial(addrs, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
        .then(() => {
          const failures = backoff.connected(peer);
          opts.log(failures > 0 ? 'info' : 'debug', { peer, failures }, 'bootstrap peer redialled');
        }, (err: unknown) => {
          const failures = backoff.failed(peer, performance.now());
          // Once per outage at warn; the retries after it at debug.
          opts.log(failures === 1 ? 'warn' : 'debug', { peer, failures, reason: (err as Error).message }, 'bootstrap peer unreachable; retrying with backoff');
        })
        .finally(() => dialing.delete(peer));
    }
  };
  const timer = setInterval(check, opts.checkMs ?? CHECK_MS);
  timer.unref();
  return {
    anyConnected: () => [...peers.keys()].some((peer) => node.getConnections(peerIdFromString(peer)).length > 0),
    stop: () => clearInterval(timer),
  };
}

/** Bootstrap multiaddrs by the peer id each names (`/p2p/...`); entries without one cannot be checked and are skipped. */
function groupByPeer(list: readonly string[]): Map<string, Multiaddr[]> {
  const peers = new Map<string, Multiaddr[]>();
  for (const text of list) {
    let ma: Multiaddr;
    try {
      ma = multiaddr(text);
    } catch {
      continue; // config validation names bad addresses; libp2p's bootstrap module logs them too
    }
    const peer = ma.getPeerId();
    if (peer === null) continue;
    peers.set(peer, [...(peers.get(peer) ?? []), ma]);
  }
  return peers;
}
