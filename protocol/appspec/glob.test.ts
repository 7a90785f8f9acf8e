import { describe, expect, it } from 'vitest';
import { appliesToType, matchesPermission, simpleGlobMatches, validateFilePermission } from './glob.ts';
import { parseAppSpec } from './parse.ts';
import { appSpecError, withPermission } from './testing.ts';
import type { Permission } from './types.ts';

const permission = (lines: string): Permission => {
  const parsed = parseAppSpec(withPermission(lines)).permissions[0];
  if (parsed === undefined) throw new Error('no permission parsed');
  return parsed;
};

describe('file-object checks made at install time (E12-E14)', () => {
  it("8.1#24 object / with pattern glob: parses, file validation rejects the pattern", () => {
    const error = appSpecError(() => validateFilePermission(permission("object: '/'\npattern: glob"), 0));
    expect(error).toMatchObject({ key: 'permissions[0].pattern', value: 'glob' });
    expect(error.message).toMatch(/invalid pattern \('glob'\)/);
  });
  it('8.1#25 object / with except [glob]: file validation rejects the except list', () => {
    const error = appSpecError(() => validateFilePermission(permission("object: '/'\nexcept: [glob]")));
    expect(error).toMatchObject({ key: 'permissions.except', value: '["glob"]' });
  });
  it('8.1#26 object / alone passes file validation', () => {
    expect(() => validateFilePermission(permission("object: '/'"))).not.toThrow();
  });
  it('8.1#27 a pattern with type [directory] passes (the rule applies only when type has file)', () => {
    expect(() => validateFilePermission(permission("object: '/'\npattern: glob\ntype: [directory]"))).not.toThrow();
  });
  it('8.1#28 a plain acl passes file validation', () => {
    expect(() => validateFilePermission(permission("object: '/'\nacls: ['user:name:rwx']"))).not.toThrow();
  });
  it('8.1#29 a default acl on a file is rejected', () => {
    const error = appSpecError(() => validateFilePermission(permission("object: '/'\nacls: ['d:user:name:rwx']"), 2));
    expect(error).toMatchObject({ key: 'permissions[2].acls', value: 'default:user:name:rwx' });
  });
});

describe('pattern and except matching (agent reference §1.8, decision 3)', () => {
  const full = permission("object: test\npattern: 'prefix*'\nexcept: ['*ReadMe', '*.tmp']\ntype: [file]");
  it('8.1#30 pattern prefix* matches immediate children only', () => {
    expect(matchesPermission(full, '/test/prefix')).toBe(true);
    expect(matchesPermission(full, '/test/prefix_matches')).toBe(true);
    for (const path of ['/test/prefix/does_not_match', '/testprefix/', '/tst/prefix', '/test/not_prefix']) {
      expect(matchesPermission(full, path)).toBe(false);
    }
  });
  it('8.1#30 except entries exclude immediate children only', () => {
    const all = { ...full, pattern: '**' };
    expect(matchesPermission(all, '/test/this.tmp')).toBe(false);
    expect(matchesPermission(all, '/test/this_ReadMe')).toBe(false);
    expect(matchesPermission(all, '/test/prefix/does_not_match.tmp')).toBe(true);
    expect(matchesPermission(all, '/test/not_match')).toBe(true);
    expect(matchesPermission(all, '/testprefix/')).toBe(false);
    expect(matchesPermission(all, '/tst/prefix')).toBe(false);
  });
  it('** matches every descendant but never the object itself', () => {
    const all = permission('object: /dst/app');
    expect(matchesPermission(all, '/dst/app')).toBe(false);
    expect(matchesPermission(all, '/dst/app/')).toBe(false);
    expect(matchesPermission(all, '/dst/app/a')).toBe(true);
    expect(matchesPermission(all, '/dst/app/sub/deep/file')).toBe(true);
    expect(matchesPermission(all, '/dst/apple')).toBe(false);
  });
  it('object / covers everything below the root', () => {
    expect(matchesPermission(permission('object: /'), '/etc/x')).toBe(true);
    expect(matchesPermission(permission('object: /'), '/')).toBe(false);
    expect(matchesPermission(permission("object: /\npattern: 'dst*'"), '/dst2')).toBe(true);
  });
  it('full paths in except never match (as in the agent, despite the docs)', () => {
    const p = permission("object: /srv\nexcept: ['/srv/a.log', 'sub']");
    expect(matchesPermission(p, '/srv/a.log')).toBe(true);
    expect(matchesPermission(p, '/srv/sub')).toBe(false);
    expect(matchesPermission(p, '/srv/sub/c.txt')).toBe(true);
  });
  it('paths are normalised: trailing slashes, dots, relative objects taken from /', () => {
    const p = permission("object: dst3/\npattern: 'file*'\nexcept: ['2']");
    expect(matchesPermission(p, '/dst3/file1')).toBe(true);
    expect(matchesPermission(p, '/dst3/./file1/')).toBe(true);
    expect(matchesPermission(p, '/dst3/x/../file1')).toBe(true);
  });
  it('only * is special: ?, [] and {} are literal, a**b is a*b, an empty pattern matches nothing', () => {
    expect(simpleGlobMatches('a?c', 'abc')).toBe(false);
    expect(simpleGlobMatches('a?c', 'a?c')).toBe(true);
    expect(simpleGlobMatches('[ab]', 'a')).toBe(false);
    expect(simpleGlobMatches('{a,b}', '{a,b}')).toBe(true);
    expect(simpleGlobMatches('a**b', 'axyzb')).toBe(true);
    expect(simpleGlobMatches('a**b', 'ab')).toBe(true);
    expect(simpleGlobMatches('', 'a')).toBe(false);
    expect(simpleGlobMatches('*', 'anything')).toBe(true);
    expect(simpleGlobMatches('*.log', '.log')).toBe(true);
    expect(simpleGlobMatches('a*a', 'a')).toBe(false);
    expect(simpleGlobMatches('a*b*c', 'acb')).toBe(false);
    expect(simpleGlobMatches('a*b*c', 'abbc')).toBe(true);
    expect(matchesPermission(permission("object: /s\npattern: ''"), '/s/a')).toBe(false);
  });
  it('type selection', () => {
    const p = permission('object: /s\ntype: [directory]');
    expect(appliesToType(p, 'directory')).toBe(true);
    expect(appliesToType(p, 'file')).toBe(false);
  });
});
