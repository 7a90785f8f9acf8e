import { describe, expect, it } from 'vitest';
import { parseAppSpec } from './parse.ts';
import { HEADER, expectRejected, withPermission } from './testing.ts';

const permission = (lines: string) => parseAppSpec(withPermission(lines)).permissions[0];

describe('permissions (agent reference §1.8)', () => {
  it('8.1#21 a permission without object is rejected', () => {
    expectRejected(withPermission('pattern: test'), 'permissions[0].object', '', /has no object value/);
  });
  it('8.1#22 object / with pattern **', () => {
    expect(permission("object: '/'\npattern: '**'")?.pattern).toBe('**');
  });
  it('8.1#23 three objects are kept', () => {
    const text = `${HEADER}permissions:\n  - object: /\n  - object: test\n  - object: more\n`;
    expect(parseAppSpec(text).permissions.map((p) => p.object)).toEqual(['/', 'test', 'more']);
  });
  it('defaults: pattern **, no except, both types, nothing else set', () => {
    expect(permission('object: /srv')).toEqual({ object: '/srv', pattern: '**', except: [], type: ['file', 'directory'] });
    expect(permission('object: /srv\npattern:\nexcept:\ntype:')).toEqual({ object: '/srv', pattern: '**', except: [], type: ['file', 'directory'] });
  });
  it('8.1#30 a full entry keeps every field (parse part; matching is in glob.test.ts)', () => {
    const entry = permission(
      [
        'object: test',
        "pattern: 'prefix*'",
        "except: ['*ReadMe', '*.tmp']",
        'type: [file]',
        'owner: bob',
        'group: dev',
        'mode: 6763',
        "acls: ['u:henry:7', 'd:g:manager:rw']",
        'context: {name: user_u, type: unconfined_t, range: "s3-s5:c0.c7,c13"}',
      ].join('\n'),
    );
    expect(entry).toEqual({
      object: 'test',
      pattern: 'prefix*',
      except: ['*ReadMe', '*.tmp'],
      type: ['file'],
      owner: 'bob',
      group: 'dev',
      mode: '6763',
      acls: [
        { isDefault: false, type: 'user', name: 'henry', perms: 'rwx' },
        { isDefault: true, type: 'group', name: 'manager', perms: 'rw-' },
      ],
      context: { user: 'user_u', type: 'unconfined_t', range: { low: 3, high: 5, categories: [0, 1, 2, 3, 4, 5, 6, 7, 13] } },
    });
  });
  it('empty or blank objects are rejected; objects are trimmed', () => {
    expectRejected(withPermission("object: ''"), 'permissions[0].object', '');
    expectRejected(withPermission("object: '  '"), 'permissions[0].object', '  ');
    expect(permission("object: ' /srv '")?.object).toBe('/srv');
  });
  it('owner and group accept numbers as text; empty names are rejected', () => {
    expect(permission('object: /srv\nowner: 1000\ngroup: 1000')).toMatchObject({ owner: '1000', group: '1000' });
    expectRejected(withPermission("object: /srv\nowner: ''"), 'permissions[0].owner', '');
  });
  it('an empty type list is allowed (nothing matches)', () => {
    expect(permission('object: /srv\ntype: []')?.type).toEqual([]);
  });
  it('type entries must be file or directory', () => {
    expectRejected(withPermission('object: /srv\ntype: [file, link]'), 'permissions[0].type[1]', 'link', /Object type not supported/);
    expectRejected(withPermission('object: /srv\ntype: [File]'), 'permissions[0].type[0]', 'File');
  });
  it('shapes the agent crashes on: except, type or acls as a bare string; permissions as a map', () => {
    expectRejected(withPermission('object: /srv\nexcept: "*.log"'), 'permissions[0].except', '*.log', /must be a list/);
    expectRejected(withPermission('object: /srv\ntype: file'), 'permissions[0].type', 'file', /must be a list/);
    expectRejected(withPermission('object: /srv\nacls: "u:bob:7"'), 'permissions[0].acls', 'u:bob:7', /must be a list/);
    expectRejected(`${HEADER}permissions:\n  object: /srv\n`, 'permissions', '{"object":"/srv"}', /must be a list/);
  });
  it('entries that are not mappings, and list values in scalar fields', () => {
    expectRejected(`${HEADER}permissions:\n  - /srv\n`, 'permissions[0]', '/srv');
    expectRejected(withPermission('object: [/srv]'), 'permissions[0].object', '["/srv"]');
    expectRejected(withPermission('object: /srv\npattern: [a]'), 'permissions[0].pattern', '["a"]');
    expectRejected(withPermission('object: /srv\nexcept: [[a]]'), 'permissions[0].except[0]', '["a"]');
    expectRejected(withPermission('object: /srv\nexcept: [~]'), 'permissions[0].except[0]', '');
    expectRejected(withPermission('object: /srv\nowner: {a: 1}'), 'permissions[0].owner', '{"a":1}');
  });
});
