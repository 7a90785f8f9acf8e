// Opaque nextToken pagination over a list the handler has already filtered and ordered. The token names
// the operation and the offset; a token from another operation or one that does not decode gets
// InvalidNextTokenException. The last page carries no token.
import { fail } from './errors.ts';

export function paginate<T>(op: string, items: readonly T[], nextToken: unknown, pageSize: number): { page: T[]; nextToken?: string } {
  let offset = 0;
  if (nextToken !== undefined && nextToken !== null) {
    if (typeof nextToken !== 'string') fail('InvalidNextTokenException', 'nextToken must be a string');
    offset = decode(op, nextToken);
  }
  const page = items.slice(offset, offset + pageSize);
  const end = offset + page.length;
  return end < items.length ? { page, nextToken: encode(op, end) } : { page };
}

function encode(op: string, offset: number): string {
  return Buffer.from(JSON.stringify({ op, o: offset, t: Date.now() })).toString('base64url');
}

function decode(op: string, token: string): number {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { op?: unknown; o?: unknown };
    if (value.op === op && typeof value.o === 'number' && Number.isInteger(value.o) && value.o >= 0) return value.o;
  } catch {
    // Falls through to the error below.
  }
  return fail('InvalidNextTokenException', 'The nextToken is invalid or belongs to another operation');
}
