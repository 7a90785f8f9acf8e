// Builds the libp2p node every Convoy peer runs (agents, and the coordinator as a light peer):
// TCP + noise + yamux, identify, ping, gossipsub, bootstrap dialing.
import '../../protocol/polyfills.ts';
import { createLibp2p, type Libp2p } from 'libp2p';
import { tcp } from '@libp2p/tcp';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify, type Identify } from '@libp2p/identify';
import { ping, type PingService } from '@libp2p/ping';
import { bootstrap } from '@libp2p/bootstrap';
import { gossipsub, type GossipsubEvents } from '@chainsafe/libp2p-gossipsub';
import type { PubSub, PrivateKey } from '@libp2p/interface';

export interface FleetNodeInit {
  readonly privateKey: PrivateKey;
  readonly listen: readonly string[];
  readonly bootstrap: readonly string[];
  /**
   * Addresses exempt from libp2p's per-IP inbound rate limit and from gossipsub's IP-colocation penalty.
   * Needed whenever many peers share one address: a local fleet on 127.0.0.1, or hosts behind one NAT.
   */
  readonly sharedAddresses: readonly string[];
}

export type FleetServices = {
  identify: Identify;
  ping: PingService;
  pubsub: PubSub<GossipsubEvents>;
};
export type FleetNode = Libp2p<FleetServices>;

export async function createFleetNode(init: FleetNodeInit): Promise<FleetNode> {
  const whitelistIps = init.sharedAddresses.map((a) => a.replace(/^\/ip[46]\//, '').split('/')[0] ?? a);
  return createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: [...init.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ maxMessageSize: 256 * 1024, maxStreamWindowSize: 4 * 1024 * 1024 })],
    peerDiscovery: init.bootstrap.length > 0 ? [bootstrap({ list: [...init.bootstrap], timeout: 100 })] : [],
    // libp2p's connection monitor pings every connection from both ends, by default every 10 s, and aborts a
    // connection whose ping takes over 5 s. Crashed peers close their sockets; the monitor is left to find the
    // silent ones (a host powered off, a partition), so a healed partition gets fresh connections.
    // - Timeout 30 s: a ping queues behind the chunk data already on the connection, so in a busy swarm
    //   (20 hosts, 2 cores) healthy connections were cut mid-transfer in bursts, every session on them too.
    // - Every 30 s: each ping opens a stream (protocol negotiation, two peer-store writes), and in a fleet
    //   where every host talks to every other that was a steady cost per connection. A 20-host swarm spent
    //   18-26 % less CPU per delivered MiB with 30 s (scripts/bench/swarm.ts, docs/distribution.md). A silent
    //   connection is now found within 60 s instead of 40 s.
    connectionMonitor: { pingInterval: 30_000, pingTimeout: { minTimeout: 30_000 } },
    connectionManager: {
      allow: init.sharedAddresses.map((a) => (a.includes('/ipcidr/') ? a : `${a}/ipcidr/32`)),
      maxConnections: 300,
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        // Small fleets: flood publishing reaches every subscribed peer directly, not only the mesh.
        floodPublish: true,
        // Our messages are a few hundred bytes; an IDONTWANT to every mesh peer costs as much as the copy it
        // saves. Keep it for messages large enough to be worth cancelling.
        idontwantMinDataSize: 16384,
        // With flood publishing the first hop already reaches every connected peer; the mesh only repairs
        // missing connections. The default degree (6) made every host forward each report and heartbeat 6
        // times: at 10 agents a rollout spent 1.8 CPU s and 2,300 socket writes per host, 1.5 s and 1,830
        // writes with degree 3 (scripts/bench/rollout.ts).
        D: 3, Dlo: 2, Dhi: 5, Dlazy: 3, Dout: 1,
        scoreParams: { IPColocationFactorWhitelist: new Set(whitelistIps) },
        // Without it gossipsub checks the signature of every copy of a message before it looks for
        // duplicates, and flood publishing plus mesh forwarding deliver each message D+1 times: most of an
        // agent's CPU during a 10-agent rollout went there. Signer and sequence number identify a message;
        // only copies of one that already passed validation are skipped.
        fastMsgIdFn: (msg) => (msg.from !== undefined && msg.seqno !== undefined
          ? `${Buffer.from(msg.from).toString('base64')}/${Buffer.from(msg.seqno).toString('base64')}`
          : Buffer.from(msg.data ?? new Uint8Array()).toString('base64')),
      }),
    },
  });
}
