// Install-time matching of permissions against installed paths (agent reference §1.8, §3.7;
// compatibility decision 3) and the checks the agent makes only when a permission targets a file.
import { AppSpecError, type Permission, type PermissionObjectType } from './types.ts';
import { formatAce, hasDefaultEntries } from './acl.ts';
import { normaliseAbsolute } from './paths.ts';

/**
 * The agent's "simple glob": `*` matches any run of characters (also empty); every other character,
 * including `?`, `[` and `{`, is literal. An empty pattern matches nothing.
 */
export function simpleGlobMatches(pattern: string, name: string): boolean {
  if (pattern === '') return false;
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (parts.length === 1) return name === pattern;
  if (!name.startsWith(first) || name.length < first.length + last.length || !name.endsWith(last)) return false;
  let position = first.length;
  const end = name.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = name.indexOf(middle, position);
    if (found === -1 || found + middle.length > end) return false;
    position = found + middle.length;
  }
  return true;
}

/**
 * Whether `candidate` is selected by the permission's object/pattern/except (not its `type`; see
 * `appliesToType`). Paths are normalised first; relative ones are taken from `/` (the agent would resolve
 * them against its working directory, which makes relative objects unreliable there).
 * - The object itself never matches; only paths below it do.
 * - Pattern `**` matches every descendant; any other pattern matches immediate children only.
 * - `except` entries exclude immediate children only, never deeper descendants.
 */
export function matchesPermission(permission: Pick<Permission, 'object' | 'pattern' | 'except'>, candidate: string): boolean {
  const object = normaliseAbsolute(permission.object);
  const path = normaliseAbsolute(candidate);
  const prefix = object === '/' ? '/' : `${object}/`;
  if (!path.startsWith(prefix) || path.length === prefix.length) return false;
  const relative = path.slice(prefix.length);
  const isChild = !relative.includes('/');
  if (permission.pattern !== '**' && !(isChild && simpleGlobMatches(permission.pattern, relative))) return false;
  return !(isChild && permission.except.some((excluded) => simpleGlobMatches(excluded, relative)));
}

export function appliesToType(permission: Pick<Permission, 'type'>, kind: PermissionObjectType): boolean {
  return permission.type.includes(kind);
}

/**
 * Checks the agent makes when a permission's object is a file this deployment installs (only when `type`
 * includes `file`): no pattern other than `**`, no `except`, no default ACL entries.
 * `index` names the entry in the error key (`permissions[<index>]`).
 */
export function validateFilePermission(permission: Permission, index?: number): void {
  if (!permission.type.includes('file')) return;
  const key = index === undefined ? 'permissions' : `permissions[${index}]`;
  if (permission.pattern !== '**') {
    throw new AppSpecError(
      `Permission for the file ('${permission.object}') has an invalid pattern ('${permission.pattern}') at '${key}.pattern': a file object takes no pattern`,
      `${key}.pattern`,
      permission.pattern,
    );
  }
  if (permission.except.length > 0) {
    const list = JSON.stringify(permission.except);
    throw new AppSpecError(
      `Permission for the file ('${permission.object}') has an except parameter (${list}) at '${key}.except': a file object takes no except`,
      `${key}.except`,
      list,
    );
  }
  if (permission.acls !== undefined && hasDefaultEntries(permission.acls)) {
    throw new AppSpecError(
      `Permission for the file ('${permission.object}') sets a default acl entry at '${key}.acls': default entries apply to directories only`,
      `${key}.acls`,
      permission.acls.filter((entry) => entry.isDefault).map(formatAce).join(','),
    );
  }
}
