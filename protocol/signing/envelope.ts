// Signed envelopes. The signature covers a domain-separated message: `convoy/1/<kind>\n` followed by the
// canonical bytes of the payload, so a signature for one kind of message can never be replayed as another.
// The payload travels as those exact bytes (base64), so verification never depends on re-encoding.
import type { KeyObject } from 'node:crypto';
import { canonicalBytes } from '../encoding/canonical.ts';
import { fromBase64, toBase64 } from '../encoding/base64.ts';
import { signBytes, verifyBytes, rawPublicKey } from './ed25519.ts';
import { publicKeyOfSigner, SignerIdError } from './signer-id.ts';

export type EnvelopeKind = 'intent' | 'report' | 'heartbeat' | 'control' | 'progress';
const KINDS: readonly EnvelopeKind[] = ['intent', 'report', 'heartbeat', 'control', 'progress'];

export interface SignedEnvelope {
  readonly kind: EnvelopeKind;
  readonly signer: string;
  /** base64 of the canonical payload bytes. */
  readonly payload: string;
  /** base64 of the 64-byte Ed25519 signature. */
  readonly sig: string;
}

export interface Signer {
  /** `ed25519:...` for a coordinator, a peer id for a host. */
  readonly id: string;
  readonly privateKey: KeyObject;
}

export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

export function seal(kind: EnvelopeKind, payload: unknown, signer: Signer): SignedEnvelope {
  const bytes = canonicalBytes(payload);
  const sig = signBytes(signer.privateKey, signedMessage(kind, bytes));
  return { kind, signer: signer.id, payload: toBase64(bytes), sig: toBase64(sig) };
}

export function encodeEnvelope(envelope: SignedEnvelope): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(envelope));
}

export interface OpenOptions {
  /**
   * A signer id the transport has already authenticated as the author of exactly these bytes (a gossip
   * message whose StrictSign signature by that peer's key verified). When the envelope names the same
   * signer, its own signature says nothing more and is not checked again; any other signer is verified.
   * Only for envelopes that are acted on and dropped, never stored or passed on as verified.
   */
  readonly authenticatedSigner?: string;
}

/**
 * Parses and verifies an envelope. Returns the decoded payload (still unvalidated JSON) and the signer id.
 * Throws EnvelopeError naming what is wrong: malformed framing, wrong kind, bad signature.
 */
export function openEnvelope(data: Uint8Array | string, expectedKind: EnvelopeKind, options: OpenOptions = {}): { payload: unknown; signer: string; envelope: SignedEnvelope } {
  const envelope = parseEnvelope(data);
  if (envelope.kind !== expectedKind) {
    throw new EnvelopeError(`Envelope kind "${envelope.kind}" where "${expectedKind}" was expected`);
  }
  let publicKey: Uint8Array;
  try {
    publicKey = publicKeyOfSigner(envelope.signer);
  } catch (err) {
    throw new EnvelopeError(err instanceof SignerIdError ? err.message : `Signer "${envelope.signer}" is not a valid key`);
  }
  const bytes = decodeField(envelope.payload, 'payload');
  const sig = decodeField(envelope.sig, 'sig');
  const vouched = options.authenticatedSigner !== undefined && options.authenticatedSigner === envelope.signer;
  if (!vouched && !verifyBytes(publicKey, signedMessage(envelope.kind, bytes), sig)) {
    throw new EnvelopeError(`Signature of ${envelope.kind} by "${envelope.signer}" does not verify`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new EnvelopeError('Payload is not UTF-8 JSON');
  }
  return { payload, signer: envelope.signer, envelope };
}

export function signerIdOfKey(privateKey: KeyObject, toId: (raw: Uint8Array) => string): string {
  return toId(rawPublicKey(privateKey));
}

function parseEnvelope(data: Uint8Array | string): SignedEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof data === 'string' ? data : new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    throw new EnvelopeError('Envelope is not UTF-8 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new EnvelopeError('Envelope is not a JSON object');
  const e = parsed as Record<string, unknown>;
  for (const field of ['kind', 'signer', 'payload', 'sig'] as const) {
    if (typeof e[field] !== 'string') throw new EnvelopeError(`Envelope field "${field}" is missing or not a string`);
  }
  if (!KINDS.includes(e.kind as EnvelopeKind)) throw new EnvelopeError(`Envelope kind "${String(e.kind)}" is unknown`);
  return { kind: e.kind as EnvelopeKind, signer: e.signer as string, payload: e.payload as string, sig: e.sig as string };
}

function decodeField(text: string, field: string): Uint8Array {
  try {
    return fromBase64(text);
  } catch {
    throw new EnvelopeError(`Envelope field "${field}" is not base64`);
  }
}

function signedMessage(kind: EnvelopeKind, payload: Uint8Array): Uint8Array {
  const prefix = new TextEncoder().encode(`convoy/1/${kind}\n`);
  const out = new Uint8Array(prefix.length + payload.length);
  out.set(prefix, 0);
  out.set(payload, prefix.length);
  return out;
}
