// Test keys: a coordinator signer and host signers whose ids are real libp2p peer ids.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { rawPublicKey, privateKeyFromSeed } from '../../protocol/signing/ed25519.ts';
import { coordinatorKeyId, peerIdOfPublicKey } from '../../protocol/signing/signer-id.ts';
import type { Signer } from '../../protocol/signing/envelope.ts';

export function coordinatorSigner(): Signer {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { id: coordinatorKeyId(rawPublicKey(privateKey)), privateKey };
}

export function hostSignerForTest(): Signer {
  const privateKey = privateKeyFromSeed(randomBytes(32));
  return { id: peerIdOfPublicKey(rawPublicKey(privateKey)), privateKey };
}
