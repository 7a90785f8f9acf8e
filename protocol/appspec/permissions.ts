// The `permissions` section (agent reference §1.8; Linux only, which is the only os Convoy accepts).
import { AppSpecError, type AclEntry, type Permission, type PermissionObjectType } from './types.ts';
import { parseAce } from './acl.ts';
import { parseMode } from './mode.ts';
import { parseContext } from './selinux.ts';
import { isMap, kindOf, optionalList, renderValue, scalarText } from './values.ts';

const ALL_TYPES: readonly PermissionObjectType[] = ['file', 'directory'];

export function parsePermissions(raw: unknown): Permission[] {
  const list = optionalList(raw, 'permissions', 'permissions') ?? [];
  return list.map((entry, i) => parsePermission(entry, `permissions[${i}]`));
}

function parsePermission(raw: unknown, key: string): Permission {
  if (!isMap(raw)) {
    throw new AppSpecError(
      `A permission at '${key}' must be a mapping with an object, not ${kindOf(raw)} ('${renderValue(raw)}')`,
      key,
      renderValue(raw),
    );
  }
  const object = present(raw['object']) ? scalarText(raw['object'], `${key}.object`, 'permission object').trim() : '';
  if (object === '') {
    throw new AppSpecError(`A permission at '${key}' has no object value ('${renderValue(raw['object'])}')`, `${key}.object`, renderValue(raw['object']));
  }
  const owner = optionalName(raw['owner'], `${key}.owner`, 'owner');
  const group = optionalName(raw['group'], `${key}.group`, 'group');
  const acls = optionalList(raw['acls'], `${key}.acls`, 'acls')?.map((ace, i) => parseAclItem(ace, `${key}.acls[${i}]`));
  return {
    object,
    pattern: present(raw['pattern']) ? scalarText(raw['pattern'], `${key}.pattern`, 'pattern') : '**',
    except: stringList(raw['except'], `${key}.except`, 'except'),
    type: parseTypes(raw['type'], `${key}.type`),
    ...(owner === undefined ? {} : { owner }),
    ...(group === undefined ? {} : { group }),
    ...(present(raw['mode']) ? { mode: parseMode(raw['mode'], `${key}.mode`) } : {}),
    ...(acls === undefined ? {} : { acls }),
    ...(present(raw['context']) ? { context: parseContext(raw['context'], `${key}.context`) } : {}),
  };
}

const present = (value: unknown): boolean => value !== undefined && value !== null;

function stringList(raw: unknown, key: string, what: string): string[] {
  return (optionalList(raw, key, what) ?? []).map((item, i) => {
    if (!present(item)) throw new AppSpecError(`Entry '${key}[${i}]' of ${what} is empty`, `${key}[${i}]`, '');
    return scalarText(item, `${key}[${i}]`, `${what} entry`);
  });
}

function parseTypes(raw: unknown, key: string): PermissionObjectType[] {
  if (!present(raw)) return [...ALL_TYPES];
  return stringList(raw, key, 'type').map((type, i) => {
    if (type === 'file' || type === 'directory') return type;
    throw new AppSpecError(
      `Object type not supported for permissions ('${type}') at '${key}[${i}]': use 'file' or 'directory'`,
      `${key}[${i}]`,
      type,
    );
  });
}

// The agent keeps owner/group raw and fails at chown time on an empty name; Convoy rejects it up front.
function optionalName(raw: unknown, key: string, what: string): string | undefined {
  if (!present(raw)) return undefined;
  const name = scalarText(raw, key, what).trim();
  if (name === '') throw new AppSpecError(`Permission ${what} at '${key}' is empty ('${renderValue(raw)}')`, key, renderValue(raw));
  return name;
}

function parseAclItem(raw: unknown, key: string): AclEntry {
  if (!present(raw)) throw new AppSpecError(`Acl entry at '${key}' is empty`, key, '');
  return parseAce(scalarText(raw, key, 'acl entry'), key);
}
