// ACL entries in `permissions[].acls` (agent reference §1.10):
// `[d|default:][u|user|g|group|m|mask|o|other:]name-or-empty:perms`, fields read right to left.
import { AppSpecError, type AclEntry } from './types.ts';
import { rwx } from './mode.ts';

const TYPE_WORDS: Readonly<Record<string, AclEntry['type']>> = {
  u: 'user',
  user: 'user',
  g: 'group',
  group: 'group',
  m: 'mask',
  mask: 'mask',
  o: 'other',
  other: 'other',
};

const isDefaultWord = (field: string): boolean => field === 'd' || field === 'default';
const typeWord = (field: string): AclEntry['type'] | undefined =>
  Object.hasOwn(TYPE_WORDS, field) ? TYPE_WORDS[field] : undefined;

export interface ParseAceOptions {
  /** Base entries the installer synthesises from the file mode (`u::7`) are allowed; authors must use mode. */
  readonly internal?: boolean;
}

/** Parses one ACL entry; `key` names it in errors (e.g. `permissions[0].acls[1]`). */
export function parseAce(text: string, key: string, options: ParseAceOptions = {}): AclEntry {
  const malformed = (): AppSpecError =>
    new AppSpecError(
      `Invalid acl entry ('${text}') at '${key}': expected [default:][user|group|mask|other:]name:perms`,
      key,
      text,
    );
  const fields = text.split(':');
  if (fields.length < 2 || fields.length > 4) throw malformed();
  const perms = fields[fields.length - 1] ?? '';
  const middle = fields[fields.length - 2] ?? '';
  const prefix = fields.slice(0, -2);
  let isDefault = false;
  let type: AclEntry['type'] | undefined;
  // Right to left: the field before the name is `default` or a type; a fourth field can only be `default`.
  for (const [index, field] of [...prefix.entries()].reverse()) {
    if (isDefaultWord(field) && !isDefault) isDefault = true;
    else if (index === prefix.length - 1 && typeWord(field) !== undefined) type = typeWord(field);
    else throw malformed();
  }
  let name = middle;
  if (type === undefined) {
    const middleType = typeWord(middle);
    type = middleType === 'mask' || middleType === 'other' ? middleType : 'user';
    if (type !== 'user') name = '';
  }
  if ((type === 'mask' || type === 'other') && name !== '') throw malformed();
  if (!isDefault && type !== 'mask' && name === '' && options.internal !== true) {
    throw new AppSpecError(
      `Acl entry ('${text}') at '${key}' sets a base entry: use mode to set the owner, group and other permissions`,
      key,
      text,
    );
  }
  return { isDefault, type, name, perms: parsePerms(perms, text, key) };
}

function parsePerms(perms: string, ace: string, key: string): string {
  if (/^[0-7]$/.test(perms)) return rwx(Number(perms));
  const bad = [...perms].find((c) => !'rwx-'.includes(c));
  if (bad !== undefined) {
    throw new AppSpecError(
      `Acl entry ('${ace}') at '${key}' has an invalid character ('${bad}') in its permissions: use one digit 0-7 or r, w, x and -`,
      key,
      ace,
    );
  }
  return `${perms.includes('r') ? 'r' : '-'}${perms.includes('w') ? 'w' : '-'}${perms.includes('x') ? 'x' : '-'}`;
}

/** Canonical text, e.g. `default:user:bob:rwx`, `mask::---`. */
export function formatAce(entry: AclEntry): string {
  return `${entry.isDefault ? 'default:' : ''}${entry.type}:${entry.name}:${entry.perms}`;
}

export function hasDefaultEntries(acls: readonly AclEntry[]): boolean {
  return acls.some((entry) => entry.isDefault);
}

export function findMask(acls: readonly AclEntry[], isDefault: boolean): AclEntry | undefined {
  return acls.find((entry) => entry.type === 'mask' && entry.isDefault === isDefault);
}
