// The bootstrap keeper on real libp2p nodes over TCP on 127.0.0.1, in the two outages it exists for: the
// coordinator down when the host starts, and the coordinator restarting.
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { afterEach, describe, expect, it } from 'vitest';
import { keepBootstrapConnected, type BootstrapKeeper } from './bootstrap-keeper.ts';
import { createFleetNode, type FleetNode } from './node.ts';

describe('keepBootstrapConnected over TCP', () => {
  const nodes: FleetNode[] = [];
  const keepers: BootstrapKeeper[] = [];
  const logged: string[] = [];

  afterEach(async () => {
    for (const k of keepers.splice(0)) k.stop();
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    logged.length = 0;
  });

  const start = async (privateKey: PrivateKey, listen: string): Promise<FleetNode> => {
    const node = await createFleetNode({ privateKey, listen: [listen], bootstrap: [], sharedAddresses: ['/ip4/127.0.0.1'] });
    nodes.push(node);
    return node;
  };
  /** A coordinator's identity and a port it listens on, with the coordinator stopped again. */
  const coordinatorAddress = async (key: PrivateKey): Promise<string> => {
    const node = await start(key, '/ip4/127.0.0.1/tcp/0');
    const addr = node.getMultiaddrs()[0]!.toString();
    await node.stop();
    nodes.splice(nodes.indexOf(node), 1);
    return addr;
  };
  const host = async (bootstrap: string): Promise<FleetNode> => {
    const node = await start(await generateKeyPair('Ed25519'), '/ip4/127.0.0.1/tcp/0');
    keepers.push(keepBootstrapConnected(node, [bootstrap], { baseMs: 50, maxMs: 200, checkMs: 50, log: (level, _obj, msg) => logged.push(`${level} ${msg}`) }));
    return node;
  };
  const connected = async (a: FleetNode, b: FleetNode, timeoutMs = 10_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (a.getConnections(b.peerId).length === 0) {
      if (Date.now() > deadline) throw new Error(`no connection after ${timeoutMs} ms; log: ${logged.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('a host started while its coordinator is down connects once the coordinator is up', async () => {
    const key = await generateKeyPair('Ed25519');
    const addr = await coordinatorAddress(key);
    const h = await host(addr);
    await new Promise((r) => setTimeout(r, 300)); // several failed dials
    expect(logged).toContain('warn bootstrap peer unreachable; retrying with backoff');
    expect(logged.filter((l) => l.startsWith('warn'))).toHaveLength(1); // once per outage, not per retry
    expect(keepers.at(-1)!.anyConnected()).toBe(false);
    const coordinator = await start(key, addr.replace(/\/p2p\/.*$/, ''));
    await connected(h, coordinator);
    await connected(coordinator, h);
    expect(keepers.at(-1)!.anyConnected()).toBe(true);
  });

  it('a host redials its coordinator after the coordinator restarts (the new one does not know the host)', async () => {
    const key = await generateKeyPair('Ed25519');
    const addr = await coordinatorAddress(key);
    const first = await start(key, addr.replace(/\/p2p\/.*$/, ''));
    const h = await host(addr);
    await connected(h, first);
    await first.stop();
    nodes.splice(nodes.indexOf(first), 1);
    const second = await start(key, addr.replace(/\/p2p\/.*$/, ''));
    await connected(h, second);
  });
});
