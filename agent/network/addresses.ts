// Telling libp2p where a peer can be dialled, once per change. Every peer-store merge takes the store's
// write lock; merging the same addresses on every heartbeat, session and request queued thousands of
// lock waiters in a 20-agent rollout, and dispatching their queue events took most of an agent's CPU.
import { multiaddr } from '@multiformats/multiaddr';
import type { PeerId } from '@libp2p/interface';
import type { FleetNode } from './node.ts';

const known = new WeakMap<FleetNode, Map<string, string>>();
const MAX_PEERS_REMEMBERED = 10_000;

/** Merges `addrs` for `peer` into the node's peer store unless exactly these were merged last time. */
export async function rememberAddrs(node: FleetNode, peer: PeerId, addrs: readonly string[]): Promise<void> {
  if (addrs.length === 0) return;
  let byPeer = known.get(node);
  if (byPeer === undefined) known.set(node, (byPeer = new Map()));
  const id = peer.toString();
  const key = [...addrs].sort().join(' ');
  if (byPeer.get(id) === key) return;
  if (byPeer.size >= MAX_PEERS_REMEMBERED) byPeer.clear();
  byPeer.set(id, key);
  try {
    await node.peerStore.merge(peer, { multiaddrs: addrs.map((a) => multiaddr(a)) });
  } catch (err) {
    byPeer.delete(id); // not stored: try again next time
    throw err;
  }
}
