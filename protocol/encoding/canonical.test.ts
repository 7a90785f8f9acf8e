import { describe, expect, it } from 'vitest';
import { canonicalJson, CanonicalEncodingError } from './canonical.ts';

describe('canonicalJson()', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same bytes whatever the key insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('omits undefined fields like JSON does', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it.each([[1.5], [Number.NaN], [Infinity], [2 ** 60]])('rejects the number %s', (n) => {
    expect(() => canonicalJson({ n })).toThrow(CanonicalEncodingError);
  });

  it('rejects non-plain objects', () => {
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(/not a plain object/);
  });
});
