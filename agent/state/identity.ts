// The agent's libp2p identity, persisted in its root dir so its peer id survives restarts.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { writeFileDurable } from './durable-file.ts';
import { privateKeyFromSeed } from '../../protocol/signing/ed25519.ts';
import { peerIdOfPublicKey } from '../../protocol/signing/signer-id.ts';
import type { Signer } from '../../protocol/signing/envelope.ts';

export const IDENTITY_FILE = 'identity.key';

export async function loadOrCreateIdentity(rootDir: string): Promise<PrivateKey> {
  const file = path.join(rootDir, IDENTITY_FILE);
  try {
    return privateKeyFromProtobuf(await readFile(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`Cannot load identity key "${file}": ${(err as Error).message}`);
    }
  }
  const key = await generateKeyPair('Ed25519');
  await writeFileDurable(file, privateKeyToProtobuf(key), 0o600);
  return key;
}

/** A message signer that uses the host's libp2p key, so its signatures are tied to its peer id. */
export function hostSigner(key: PrivateKey): Signer {
  if (key.type !== 'Ed25519') throw new Error(`Identity key must be Ed25519, got ${key.type}`);
  const seed = key.raw.subarray(0, 32);
  return { id: peerIdOfPublicKey(key.publicKey.raw), privateKey: privateKeyFromSeed(seed) };
}
