import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManifestError, decodeManifest, encodeManifest, manifestHash, validateManifest } from './manifest.ts';
import type { Manifest } from './manifest.ts';

const sha256 = (bytes: Uint8Array): Uint8Array => createHash('sha256').update(bytes).digest();
const hex = (text: string): string => createHash('sha256').update(text).digest('hex');

function sample(overrides: Partial<Record<keyof Manifest, unknown>> = {}): Manifest {
  return {
    version: 1,
    bundleSha256: hex('bundle'),
    bundleSize: 10_000,
    bundleType: 'tgz',
    chunkSize: 4096,
    chunks: [hex('a'), hex('b'), hex('c')],
    ...overrides,
  } as Manifest;
}

function rejection(fn: () => unknown): { field: string; reason: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ManifestError) return { field: err.field, reason: err.reason };
    throw err;
  }
  throw new Error('expected a ManifestError');
}

const text = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

describe('manifest', () => {
  it('encodeManifest() writes sorted keys with no whitespace', () => {
    const bytes = new TextDecoder().decode(encodeManifest(sample()));
    expect(bytes.startsWith('{"bundleSha256":')).toBe(true);
    expect(bytes).not.toMatch(/\s/);
    expect(Object.keys(JSON.parse(bytes))).toEqual(['bundleSha256', 'bundleSize', 'bundleType', 'chunkSize', 'chunks', 'version']);
  });

  it('encodeManifest() is independent of the key order of its input', () => {
    const m = sample();
    const reordered = { chunks: m.chunks, version: 1, chunkSize: m.chunkSize, bundleType: m.bundleType, bundleSize: m.bundleSize, bundleSha256: m.bundleSha256 } as Manifest;
    expect(encodeManifest(reordered)).toEqual(encodeManifest(m));
  });

  it('decodeManifest() round-trips and manifestHash() is the sha256 of the canonical bytes', () => {
    const m = sample();
    const bytes = encodeManifest(m);
    expect(decodeManifest(bytes)).toEqual(m);
    expect(manifestHash(m, sha256)).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(manifestHash(m, (b) => createHash('sha256').update(b).digest('hex').toUpperCase())).toBe(manifestHash(m, sha256));
  });

  it('manifestHash() changes when any chunk hash changes', () => {
    const m = sample();
    const other = sample({ chunks: [hex('a'), hex('b'), hex('d')] });
    expect(manifestHash(m, sha256)).not.toBe(manifestHash(other, sha256));
  });

  it('decodeManifest() round-trips arbitrary valid manifests (property)', () => {
    const hash = fc.stringMatching(/^[0-9a-f]{64}$/);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom(4096, 8192, 65536), fc.constantFrom('tar', 'tgz', 'zip'), hash, (size, chunkSize, type, h) => {
        const n = Math.ceil(size / chunkSize);
        const m = sample({ bundleSize: size, chunkSize, bundleType: type, chunks: Array.from({ length: n }, () => h) });
        expect(decodeManifest(encodeManifest(m))).toEqual(m);
      }),
      { numRuns: 100 },
    );
  });

  const cases: Array<[string, unknown, string, RegExp]> = [
    ['a missing field', (({ bundleType: _, ...rest }) => rest)(sample()), 'bundleType', /missing/],
    ['an unknown field', { ...sample(), extra: 1 }, 'extra', /unknown/],
    ['version 2', sample({ version: 2 }), 'version', /must be 1/],
    ['an uppercase bundle hash', sample({ bundleSha256: hex('x').toUpperCase() }), 'bundleSha256', /hex/],
    ['a short bundle hash', sample({ bundleSha256: 'abc' }), 'bundleSha256', /hex/],
    ['bundle type rar', sample({ bundleType: 'rar' }), 'bundleType', /tar, tgz, zip/],
    ['a chunk size that is not a power of two', sample({ chunkSize: 5000 }), 'chunkSize', /power of two/],
    ['a chunk size below 4 KiB', sample({ chunkSize: 1024, chunks: Array(10).fill(hex('a')) }), 'chunkSize', /between/],
    ['a chunk size above 64 MiB', sample({ chunkSize: 128 * 1024 * 1024, chunks: [hex('a')] }), 'chunkSize', /between/],
    ['a string chunk size', sample({ chunkSize: '4096' }), 'chunkSize', /power of two/],
    ['a zero bundle size', sample({ bundleSize: 0, chunks: [] }), 'bundleSize', /positive/],
    ['a fractional bundle size', sample({ bundleSize: 10.5 }), 'bundleSize', /positive/],
    ['too few chunks', sample({ chunks: [hex('a')] }), 'chunks', /needs 3/],
    ['too many chunks', sample({ chunks: Array(4).fill(hex('a')) }), 'chunks', /needs 3/],
    ['a bad chunk hash', sample({ chunks: [hex('a'), 'zz', hex('c')] }), 'chunks[1]', /hex/],
    ['chunks that is not an array', sample({ chunks: 'abc' }), 'chunks', /array/],
    ['a bundle needing too many chunks', sample({ bundleSize: 4096 * 65_537, chunks: [] }), 'bundleSize', /limit/],
    ['an array document', [], 'manifest', /object/],
  ];
  for (const [what, value, field, reason] of cases) {
    it(`decodeManifest() rejects ${what}, naming ${field}`, () => {
      const got = rejection(() => decodeManifest(text(value)));
      expect(got.field).toBe(field);
      expect(got.reason).toMatch(reason);
    });
  }

  it('decodeManifest() rejects invalid JSON, invalid UTF-8 and non-canonical bytes', () => {
    expect(rejection(() => decodeManifest(new TextEncoder().encode('{'))).reason).toMatch(/JSON/);
    expect(rejection(() => decodeManifest(new Uint8Array([0x7b, 0xff, 0x7d]))).reason).toMatch(/UTF-8/);
    const spaced = new TextEncoder().encode(JSON.stringify(JSON.parse(new TextDecoder().decode(encodeManifest(sample()))), null, 1));
    expect(rejection(() => decodeManifest(spaced)).reason).toMatch(/canonical/);
  });

  it('decodeManifest() rejects oversized input before parsing', () => {
    expect(rejection(() => decodeManifest(new Uint8Array(5_000_000))).field).toBe('manifest');
  });

  it('encodeManifest() refuses to encode an invalid manifest', () => {
    expect(() => encodeManifest(sample({ chunkSize: 3 }))).toThrow(ManifestError);
    expect(() => validateManifest(null)).toThrow(/must be a JSON object/);
  });
});
