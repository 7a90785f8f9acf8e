export interface ExtractLimits {
  /** Entries of any kind (files, directories, links). */
  maxEntries: number;
  /** Uncompressed bytes of one file. */
  maxEntryBytes: number;
  /** Uncompressed bytes of all files together. */
  maxTotalBytes: number;
  /** Uncompressed / compressed, checked once an entry (or the archive) passes RATIO_MIN_BYTES. */
  maxCompressionRatio: number;
}

export const DEFAULT_EXTRACT_LIMITS: Readonly<ExtractLimits> = Object.freeze({
  // Large node_modules trees reach tens of thousands of files; 100k leaves room and still bounds
  // the per-entry bookkeeping (a few hundred bytes each) to tens of MiB.
  maxEntries: 100_000,
  // A single 4 GiB artefact (VM image, model file) is the largest we expect in a bundle.
  maxEntryBytes: 4 * 1024 ** 3,
  // Hosts reserve disk for a handful of kept revisions; 16 GiB per revision is already generous.
  maxTotalBytes: 16 * 1024 ** 3,
  // Source and binaries rarely compress beyond 20:1; deflate tops out near 1030:1, so 200 stops
  // bombs while leaving sparse-ish data files alone.
  maxCompressionRatio: 200,
});

/** Small entries (a 100 KiB file of zeros) legitimately compress extremely well; only judge big ones. */
export const RATIO_MIN_BYTES = 1024 * 1024;

export function checkLimits(limits: ExtractLimits): void {
  for (const key of ['maxEntries', 'maxEntryBytes', 'maxTotalBytes', 'maxCompressionRatio'] as const) {
    const v = limits[key];
    if (typeof v !== 'number' || !(v > 0)) throw new RangeError(`extract limit ${key} must be a positive number, got ${String(v)}`);
  }
}
