// Permission pattern/except matching (reference §1.8, decision 3). Local until protocol/appspec/glob.ts
// lands; then this should delegate to it.

export interface PermissionScope {
  /** Absolute, normalised object path. */
  readonly object: string;
  readonly pattern: string;
  readonly except: readonly string[];
}

/** True when `absPath` is below `object` and matches `pattern` but no `except` entry. */
export function matchesScope(scope: PermissionScope, absPath: string): boolean {
  const prefix = scope.object === '/' ? '/' : scope.object + '/';
  if (!absPath.startsWith(prefix) || absPath.length === prefix.length) return false;
  const rel = absPath.slice(prefix.length);
  if (!(scope.pattern === '**' || matchesComponent(scope.pattern, rel))) return false;
  return !scope.except.some((e) => matchesComponent(e, rel));
}

/** Single-component glob: only `*` is special, and only immediate children can match. */
function matchesComponent(glob: string, rel: string): boolean {
  if (glob === '' || rel.includes('/')) return false;
  const parts = glob.split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (parts.length === 1) return rel === glob;
  if (!rel.startsWith(first) || !rel.endsWith(last) || rel.length < first.length + last.length) return false;
  // Greedy-free scan of the middle literals keeps matching linear (no regex backtracking on long names).
  let at = first.length;
  const end = rel.length - last.length;
  for (const mid of parts.slice(1, -1)) {
    if (mid === '') continue;
    const found = rel.indexOf(mid, at);
    if (found < 0 || found + mid.length > end) return false;
    at = found + mid.length;
  }
  return true;
}
