// Pure POSIX path helpers (no node:path: this folder must also run under Deno).

/** Segments after resolving `.` and `..`; `undefined` when `..` climbs above the start. */
function resolveSegments(path: string): string[] | undefined {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else {
      out.push(segment);
    }
  }
  return out;
}

/**
 * True when a revision-relative path leaves the revision root. A leading `/` still resolves inside the
 * revision, as the agent joins it under the unpacked archive.
 */
export function relativePathEscapes(path: string): boolean {
  return resolveSegments(path) === undefined;
}

export function hasDotDotSegment(path: string): boolean {
  return path.split('/').includes('..');
}

/** Absolute normalised form; relative paths are taken from `/`, and `..` above the root stays at the root. */
export function normaliseAbsolute(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}
