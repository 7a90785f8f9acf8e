// The coordinator's intent-signing key: Ed25519, PEM (PKCS#8) on disk with mode 0600.
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { rawPublicKey } from '../../protocol/signing/ed25519.ts';
import { coordinatorKeyId } from '../../protocol/signing/signer-id.ts';
import type { Signer } from '../../protocol/signing/envelope.ts';
import { writeFileDurable } from '../../agent/state/durable-file.ts';

export async function generateCoordinatorKey(file: string): Promise<Signer> {
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFileDurable(file, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, 0o600);
  return { id: coordinatorKeyId(rawPublicKey(privateKey)), privateKey };
}

export async function loadCoordinatorKey(file: string): Promise<Signer> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read coordinator key "${file}": ${(err as Error).message} (create one with: convoy keygen --out ${file})`);
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`Coordinator key "${file}" is not an Ed25519 key`);
  return { id: coordinatorKeyId(rawPublicKey(privateKey)), privateKey };
}
