import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { createFleetNode, type FleetNode } from './node.ts';
import { rememberAddrs } from './addresses.ts';

describe('rememberAddrs', () => {
  let node: FleetNode;
  beforeAll(async () => {
    node = await createFleetNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [], sharedAddresses: ['/ip4/127.0.0.1'] });
  });
  afterAll(async () => { await node?.stop(); });

  it('writes the peer store once per change of a peer\'s addresses, whatever their order', async () => {
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'));
    const merge = vi.spyOn(node.peerStore, 'merge');
    const a = '/ip4/127.0.0.1/tcp/4001';
    const b = '/ip4/127.0.0.1/tcp/4002';
    await rememberAddrs(node, peer, [a, b]);
    await rememberAddrs(node, peer, [b, a]);
    await rememberAddrs(node, peer, [a, b]);
    expect(merge).toHaveBeenCalledTimes(1);
    await rememberAddrs(node, peer, [a]);
    expect(merge).toHaveBeenCalledTimes(2);
    expect((await node.peerStore.get(peer)).addresses.map((x) => x.multiaddr.toString())).toEqual(expect.arrayContaining([a, b]));
    merge.mockRestore();
  });
});
