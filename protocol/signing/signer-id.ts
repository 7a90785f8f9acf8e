// Who signed a message. Two forms, both Ed25519:
// - a coordinator key, written `ed25519:<base64url of the 32-byte public key>`;
// - a libp2p peer id (`12D3KooW...`), whose identity multihash embeds the host's public key, so a report
//   signed by a host proves it came from the peer it speaks for.
import { base58btc } from 'multiformats/bases/base58';
import { fromBase64Url, toBase64Url } from '../encoding/base64.ts';

const COORDINATOR_PREFIX = 'ed25519:';
// identity multihash (0x00), length 36, protobuf PublicKey { Type: Ed25519 (1), Data: 32 bytes }
const PEER_ID_ED25519_HEADER = Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20]);

export class SignerIdError extends Error {
  override readonly name = 'SignerIdError';
}

export function coordinatorKeyId(publicKeyRaw: Uint8Array): string {
  return COORDINATOR_PREFIX + toBase64Url(publicKeyRaw);
}

export function isCoordinatorKeyId(id: string): boolean {
  return id.startsWith(COORDINATOR_PREFIX);
}

/** The raw 32-byte Ed25519 public key behind a signer id; throws SignerIdError naming the id. */
export function publicKeyOfSigner(id: string): Uint8Array {
  if (id.startsWith(COORDINATOR_PREFIX)) {
    let raw: Uint8Array;
    try {
      raw = fromBase64Url(id.slice(COORDINATOR_PREFIX.length));
    } catch {
      throw new SignerIdError(`Signer "${id}" is not valid base64url`);
    }
    if (raw.length !== 32) throw new SignerIdError(`Signer "${id}" does not hold a 32-byte Ed25519 key`);
    return raw;
  }
  return publicKeyOfPeerId(id);
}

export function publicKeyOfPeerId(peerId: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = base58btc.baseDecode(peerId);
  } catch {
    throw new SignerIdError(`Peer id "${peerId}" is not base58btc`);
  }
  const header = bytes.subarray(0, PEER_ID_ED25519_HEADER.length);
  if (bytes.length !== PEER_ID_ED25519_HEADER.length + 32 || !header.every((b, i) => b === PEER_ID_ED25519_HEADER[i])) {
    throw new SignerIdError(`Peer id "${peerId}" is not an Ed25519 identity peer id`);
  }
  return bytes.subarray(PEER_ID_ED25519_HEADER.length);
}

export function peerIdOfPublicKey(publicKeyRaw: Uint8Array): string {
  const bytes = new Uint8Array(PEER_ID_ED25519_HEADER.length + 32);
  bytes.set(PEER_ID_ED25519_HEADER, 0);
  bytes.set(publicKeyRaw, PEER_ID_ED25519_HEADER.length);
  return base58btc.baseEncode(bytes);
}
