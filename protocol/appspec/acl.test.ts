import { describe, expect, it } from 'vitest';
import { findMask, formatAce, hasDefaultEntries, parseAce } from './acl.ts';
import { parseAppSpec } from './parse.ts';
import { appSpecError, expectRejected, withPermission } from './testing.ts';

const ace = (text: string): string => formatAce(parseAce(text, 'acls[0]'));
const rejectAce = (text: string, message: RegExp): void => {
  const error = appSpecError(() => parseAce(text, 'acls[0]'));
  expect(error.key).toBe('acls[0]');
  expect(error.value).toBe(text);
  expect(error.message).toMatch(message);
};

describe('ACL entries (agent reference §1.10)', () => {
  it.each([
    ['31', '7'],
    ['32', 'd:u:bob:7:rwx'],
    ['33', 'invalid:u:bob:7:rwx'],
    ['34', 'd:invalid:bob:7:rwx'],
    ['35', 'd:d:bob:7:rwx'],
    ['36', 'mask:name:rwx'],
    ['37', 'd:other:name:rwx'],
  ])('8.1#%s %s is an invalid acl entry', (_item, text) => {
    rejectAce(text, /Invalid acl entry/);
  });
  it('more malformed entries: a wrong 4th field, default twice, unknown prefix', () => {
    for (const text of ['u:g:bob:rwx', 'd:d:bob:rwx', 'x:bob:rwx', 'user:mask:bob:rwx']) rejectAce(text, /Invalid acl entry/);
  });
  it('8.1#38 user:bob:rwxd names the invalid character', () => {
    rejectAce('user:bob:rwxd', /invalid character \('d'\)/);
  });
  it('perms 8 and 77 are invalid characters', () => {
    rejectAce('bob:8', /'8'/);
    rejectAce('bob:77', /'7'/);
  });
  it('8.1#39 default user and default group entries', () => {
    expect(parseAce('d:u:bob:rwx', 'k')).toEqual({ isDefault: true, type: 'user', name: 'bob', perms: 'rwx' });
    expect(parseAce('default:g:dev:rw', 'k')).toEqual({ isDefault: true, type: 'group', name: 'dev', perms: 'rw-' });
  });
  it('8.1#40 ten three-part entries', () => {
    const texts = ['d:bob:rwx', 'default::rw', 'm::7', 'mask::7', 'g:dev:7', 'group:dev:7', 'u:bob:7', 'user:bob:7', 'u:mask:7', 'u:other:7'];
    expect(texts.map(ace)).toEqual([
      'default:user:bob:rwx',
      'default:user::rw-',
      'mask::rwx',
      'mask::rwx',
      'group:dev:rwx',
      'group:dev:rwx',
      'user:bob:rwx',
      'user:bob:rwx',
      'user:mask:rwx',
      'user:other:rwx',
    ]);
  });
  it('8.1#41 two-part entries: bob:0, m:7, mask:', () => {
    expect(['bob:0', 'm:7', 'mask:'].map(ace)).toEqual(['user:bob:---', 'mask::rwx', 'mask::---']);
  });
  it('permission letters may repeat and mix with dashes', () => {
    expect(['bob:rrwwxx', 'bob:r-w-x-', 'bob:x', 'bob:---'].map(ace)).toEqual(['user:bob:rwx', 'user:bob:rwx', 'user:bob:--x', 'user:bob:---']);
  });
  it('8.1#63 an empty acl list is present and empty; queries behave as empty; internal entries can be added', () => {
    const acls = parseAppSpec(withPermission('object: /srv\nacls: []')).permissions[0]?.acls ?? ['missing'];
    expect(acls).toEqual([]);
    expect(hasDefaultEntries([])).toBe(false);
    expect(findMask([], false)).toBeUndefined();
    const withBase = [parseAce('u::7', 'internal', { internal: true })];
    expect(withBase.map(formatAce)).toEqual(['user::rwx']);
  });
  it('8.1#64 seven entries including default ones', () => {
    const texts = ['bob:6', 'm:6', 'd:bob:0', 'd::3', 'd:g::4', 'd:o:3', 'd:m:7'];
    const entries = texts.map((t) => parseAce(t, 'k'));
    expect(entries).toHaveLength(7);
    expect(hasDefaultEntries(entries)).toBe(true);
    expect(entries.map(formatAce)).toEqual([
      'user:bob:rw-',
      'mask::rw-',
      'default:user:bob:---',
      'default:user::-wx',
      'default:group::r--',
      'default:other::-wx',
      'default:mask::rwx',
    ]);
    expect(findMask(entries, true)?.perms).toBe('rwx');
    expect(findMask(entries, false)?.perms).toBe('rw-');
  });
  it('8.1#66 base entries are allowed internally but rejected from authors', () => {
    for (const text of ['u::7', 'g::7', 'o::7']) expect(() => parseAce(text, 'k', { internal: true })).not.toThrow();
    for (const text of ['u::7', 'g::7', 'o:7', 'o::r']) rejectAce(text, /Use mode to set/i);
  });
  it('8.1#67 canonical rendering', () => {
    expect(ace('d:u:bob:7')).toBe('default:user:bob:rwx');
    expect(ace('m:0')).toBe('mask::---');
  });
  it('acls given as a bare string is rejected (the agent crashes)', () => {
    expectRejected(withPermission('object: /srv\nacls: u:bob:7'), 'permissions[0].acls', 'u:bob:7', /must be a list/);
  });
  it('acl entries in an appspec name their index; numbers are read as text', () => {
    expectRejected(withPermission('object: /srv\nacls: [u:bob:7, 7]'), 'permissions[0].acls[1]', '7', /Invalid acl entry/);
    expectRejected(withPermission('object: /srv\nacls: [~]'), 'permissions[0].acls[0]', '');
  });
});
