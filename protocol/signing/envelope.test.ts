import { describe, expect, it } from 'vitest';
import { seal, openEnvelope, encodeEnvelope, EnvelopeError } from './envelope.ts';
import { publicKeyOfPeerId, SignerIdError } from './signer-id.ts';
import { fromBase64, toBase64 } from '../encoding/base64.ts';
import { coordinatorSigner, hostSignerForTest } from '../../test/support/keys.ts';

describe('signed envelopes', () => {
  const coordinator = coordinatorSigner();
  const host = hostSignerForTest();

  it('open() returns the payload and signer of a sealed envelope', () => {
    const env = seal('intent', { hello: 'world', n: 1 }, coordinator);
    expect(openEnvelope(encodeEnvelope(env), 'intent')).toMatchObject({ payload: { hello: 'world', n: 1 }, signer: coordinator.id });
  });

  it('a host signer id is its libp2p peer id', () => {
    expect(host.id).toMatch(/^12D3KooW/);
    expect(publicKeyOfPeerId(host.id)).toHaveLength(32);
    const env = seal('report', { x: 1 }, host);
    expect(openEnvelope(encodeEnvelope(env), 'report').signer).toBe(host.id);
  });

  it('fails when any single byte of the payload is flipped', () => {
    const env = seal('intent', { deploymentId: 'd-AAAAAAAAA', targets: ['x'] }, coordinator);
    const bytes = fromBase64(env.payload);
    for (let i = 0; i < bytes.length; i++) {
      const tampered = bytes.slice();
      tampered[i] = tampered[i]! ^ 0x01;
      expect(() => openEnvelope(JSON.stringify({ ...env, payload: toBase64(tampered) }), 'intent')).toThrow(EnvelopeError);
    }
  });

  it('fails when the signature is flipped', () => {
    const env = seal('intent', { a: 1 }, coordinator);
    const sig = fromBase64(env.sig);
    sig[10] = sig[10]! ^ 0x80;
    expect(() => openEnvelope(JSON.stringify({ ...env, sig: toBase64(sig) }), 'intent')).toThrow(/does not verify/);
  });

  it('skips its own signature check only for the signer the transport authenticated', () => {
    const env = seal('heartbeat', { beat: 1 }, host);
    const sig = fromBase64(env.sig);
    sig[3] = sig[3]! ^ 0x01;
    const bad = JSON.stringify({ ...env, sig: toBase64(sig) });
    // gossipsub checked the publisher's signature over these bytes: the envelope's own adds nothing.
    expect(openEnvelope(bad, 'heartbeat', { authenticatedSigner: host.id })).toMatchObject({ signer: host.id, payload: { beat: 1 } });
    // Published (or forwarded as its own) by anyone else, the envelope is verified as always.
    expect(() => openEnvelope(bad, 'heartbeat', { authenticatedSigner: hostSignerForTest().id })).toThrow(/does not verify/);
    expect(() => openEnvelope(bad, 'heartbeat')).toThrow(/does not verify/);
    expect(() => openEnvelope(encodeEnvelope(env), 'report', { authenticatedSigner: host.id })).toThrow(/kind/);
  });

  it('fails when the signer is swapped for another key', () => {
    const env = seal('intent', { a: 1 }, coordinator);
    expect(() => openEnvelope(JSON.stringify({ ...env, signer: coordinatorSigner().id }), 'intent')).toThrow(/does not verify/);
  });

  it('a signature for one kind cannot be replayed as another kind', () => {
    const env = seal('heartbeat', { a: 1 }, host);
    expect(() => openEnvelope(JSON.stringify({ ...env, kind: 'report' }), 'report')).toThrow(/does not verify/);
  });

  it.each([
    ['not JSON', 'nope', /not UTF-8 JSON/],
    ['an array', '[]', /not a JSON object/],
    ['missing sig', JSON.stringify({ kind: 'intent', signer: 'x', payload: '' }), /"sig" is missing/],
    ['unknown kind', JSON.stringify({ kind: 'gossip', signer: 'x', payload: '', sig: '' }), /kind "gossip" is unknown/],
    ['bad signer', JSON.stringify({ kind: 'intent', signer: 'ed25519:!!', payload: '', sig: '' }), /not valid base64url/],
    ['bad peer id', JSON.stringify({ kind: 'intent', signer: 'QmNotEd25519', payload: '', sig: '' }), /not an Ed25519 identity peer id|not base58btc/],
  ])('rejects %s with a reason', (_name, text, reason) => {
    expect(() => openEnvelope(text, 'intent')).toThrow(reason);
  });

  it('rejects an envelope of the wrong kind', () => {
    const env = seal('heartbeat', { a: 1 }, host);
    expect(() => openEnvelope(encodeEnvelope(env), 'intent')).toThrow(/kind "heartbeat" where "intent" was expected/);
  });

  it('publicKeyOfPeerId() names a malformed peer id', () => {
    expect(() => publicKeyOfPeerId('12D3KooWshort')).toThrow(SignerIdError);
  });
});
