// Canonical bytes for anything that is signed: JSON with object keys sorted by code unit, no whitespace,
// and only values that survive a round trip exactly (no undefined, NaN, Infinity, non-integer numbers
// outside the safe range). Two encoders that agree on the value produce identical bytes.

export class CanonicalEncodingError extends Error {
  override readonly name = 'CanonicalEncodingError';
}

export function canonicalJson(value: unknown): string {
  return encodeValue(value, '$');
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

function encodeValue(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalEncodingError(`Value at ${path} is not a safe integer: ${String(value)}`);
      }
      return String(value);
    case 'object':
      return Array.isArray(value) ? encodeArray(value, path) : encodeObject(value as Record<string, unknown>, path);
    default:
      throw new CanonicalEncodingError(`Value at ${path} has unsupported type ${typeof value}`);
  }
}

function encodeArray(items: readonly unknown[], path: string): string {
  return `[${items.map((item, i) => encodeValue(item, `${path}[${i}]`)).join(',')}]`;
}

function encodeObject(obj: Record<string, unknown>, path: string): string {
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalEncodingError(`Value at ${path} is not a plain object`);
  }
  // Keys whose value is undefined are omitted, as JSON.stringify does, so optional fields stay optional.
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${encodeValue(obj[k], `${path}.${k}`)}`).join(',')}}`;
}
