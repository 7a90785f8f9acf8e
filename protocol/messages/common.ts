// Building blocks for the versioned wire messages. Every message carries `type` and `v`; decoding checks
// the version before the shape, so a peer running a newer protocol gets "unsupported version" rather than
// a confusing field error.
import { z } from 'zod';

export class MessageError extends Error {
  override readonly name = 'MessageError';
}

export const PEER_ID = z.string().regex(/^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/, 'must be an Ed25519 libp2p peer id');
export const SHA256_HEX = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256');
export const NAME = z.string().min(1).max(100).regex(/^[A-Za-z0-9._+=,@-]+$/, 'may contain only letters, digits and ._+=,@-');
export const DEPLOYMENT_ID = z.string().regex(/^d-[A-Z0-9]{9}$/, 'must look like d-XXXXXXXXX');
export const EPOCH_MS = z.number().int().nonnegative();
export const TAGS = z.record(z.string().min(1).max(128), z.string().max(256));

/** Validates `value` as message `type` at version `v`, naming the first problem in the error. */
export function decodeWith<T>(schema: z.ZodType<T>, value: unknown, type: string, version: number): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MessageError(`${type}: message is not an object`);
  }
  const record = value as Record<string, unknown>;
  if (record.type !== type) throw new MessageError(`${type}: field "type" is ${JSON.stringify(record.type)}, expected "${type}"`);
  if (record.v !== version) throw new MessageError(`${type}: unsupported version ${JSON.stringify(record.v)} (this agent speaks v${version})`);
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new MessageError(`${type}: field "${path}" ${issue?.message ?? 'is invalid'}`);
  }
  return result.data;
}
