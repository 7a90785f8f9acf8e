import { describe, expect, it } from 'vitest';
import { parseAppSpec } from './parse.ts';
import { HEADER, appSpecError, expectRejected } from './testing.ts';

describe('top level (agent reference §1.1-1.4, §1.7)', () => {
  it('8.1#1 an empty file is rejected as empty', () => {
    expectRejected('', '', '', /empty/);
  });
  it('8.1#2 whitespace only is rejected as empty', () => {
    expectRejected(' \n', '', '', /empty/);
  });
  it('comment-only, null and false documents are empty', () => {
    for (const text of ['# nothing\n', 'null', '~', 'false']) expectRejected(text, '', '', /empty/);
  });
  it('8.1#3 a missing version names the version key with an empty value', () => {
    expectRejected('os: linux\n', 'version', '', /Invalid version value \(''\)/);
  });
  it('8.1#4 version invalid names the value', () => {
    expectRejected('version: invalid\nos: linux\n', 'version', 'invalid', /\('invalid'\)/);
  });
  it('8.1#5 a bad file_exists_behavior is reported when everything before it is valid', () => {
    expectRejected(`${HEADER}file_exists_behavior: invalid\n`, 'file_exists_behavior', 'invalid', /DISALLOW, OVERWRITE, RETAIN/);
  });
  it('8.1#6 version only: os is missing', () => {
    expectRejected('version: 0.0\n', 'os', '', /Unsupported operating system \(''\)/);
  });
  it('8.1#7 an unsupported os is named', () => {
    expectRejected('version: 0.0\nos: unsupported\n', 'os', 'unsupported');
  });
  it('8.1#8 version and os only: no hooks, no files', () => {
    const spec = parseAppSpec(HEADER);
    expect(spec).toEqual({ version: 0, os: 'linux', hooks: {}, files: [], permissions: [] });
  });

  it('decision 1: unquoted numbers equal to 0 and the quoted "0.0" are accepted', () => {
    for (const version of ['0', '0.0', '0.00', '00', '.0', '0.', '"0.0"', "'0.0'"]) {
      expect(parseAppSpec(`version: ${version}\nos: linux\n`).version).toBe(0);
    }
  });
  it('decision 1: other versions are rejected, quoted or not', () => {
    for (const [text, value] of [['1.0', '1'], ['"0"', '0'], ['"0.00"', '0.00'], ['0.1', '0.1'], ['[0]', '[0]'], ['true', 'true']]) {
      expectRejected(`version: ${text}\nos: linux\n`, 'version', value);
    }
  });
  it('keys are case-sensitive: Version is ignored and version counts as missing', () => {
    expectRejected('Version: 0.0\nos: linux\n', 'version', '');
  });
  it('decision 13: os windows is rejected with a clear reason', () => {
    expectRejected('version: 0.0\nos: windows\n', 'os', 'windows', /Linux only/);
  });
  it('os is case-sensitive', () => {
    expectRejected('version: 0.0\nos: Linux\n', 'os', 'Linux');
  });
  it('file_exists_behavior must be exact upper case', () => {
    for (const value of ['DISALLOW', 'OVERWRITE', 'RETAIN'] as const) {
      expect(parseAppSpec(`${HEADER}file_exists_behavior: ${value}\n`).fileExistsBehavior).toBe(value);
    }
    expectRejected(`${HEADER}file_exists_behavior: overwrite\n`, 'file_exists_behavior', 'overwrite');
    expect(parseAppSpec(`${HEADER}file_exists_behavior:\n`).fileExistsBehavior).toBeUndefined();
  });
  it('validation order: version, os, hooks, files, permissions, file_exists_behavior; first failure wins', () => {
    const bad = {
      version: 'version: 9',
      os: 'os: beos',
      hooks: 'hooks: [1]',
      files: 'files: {a: 1}',
      permissions: 'permissions: [{pattern: x}]',
      file_exists_behavior: 'file_exists_behavior: nope',
    };
    const keys = Object.keys(bad) as (keyof typeof bad)[];
    keys.forEach((first, i) => {
      const good = i >= 2 ? HEADER : i === 1 ? 'version: 0.0\n' : '';
      const text = good + keys.slice(i).map((k) => bad[k]).join('\n');
      const error = appSpecError(() => parseAppSpec(text));
      expect(error.key.startsWith(first)).toBe(true);
    });
  });
  it('unknown top-level keys are ignored', () => {
    expect(parseAppSpec(`${HEADER}resources: [1]\nfoo: bar\nHooks: 7\n`).hooks).toEqual({});
  });
  it('JSON text works', () => {
    const json = JSON.stringify({
      version: 0.0,
      os: 'linux',
      files: [{ source: 'app', destination: '/srv/app' }],
      hooks: { AfterInstall: [{ location: 'scripts/a.sh', timeout: '300' }] },
      permissions: [{ object: '/srv/app', mode: 644 }],
    });
    const spec = parseAppSpec(json);
    expect(spec.files).toEqual([{ source: 'app', destination: '/srv/app' }]);
    expect(spec.hooks['AfterInstall']?.[0]?.timeoutSeconds).toBe(300);
    expect(spec.permissions[0]?.mode).toBe('644');
  });
  it('duplicate keys: the last one wins, as in the agent', () => {
    expect(parseAppSpec(`${HEADER}file_exists_behavior: RETAIN\nfile_exists_behavior: OVERWRITE\n`).fileExistsBehavior).toBe('OVERWRITE');
  });
  it('merge keys and aliases work as in the agent', () => {
    const text = `${HEADER}x: &d {location: s.sh, timeout: 10}\nhooks:\n  AfterInstall:\n    - <<: *d\n      runas: app\n`;
    expect(parseAppSpec(text).hooks['AfterInstall']).toEqual([{ location: 's.sh', timeoutSeconds: 10, runas: 'app', sudo: false }]);
  });
  it('only the first YAML document is used', () => {
    expect(parseAppSpec(`${HEADER}---\nversion: 5\n`).version).toBe(0);
  });
});

describe('inputs the agent crashes on become AppSpecErrors (compatibility rule)', () => {
  it('a top-level list', () => {
    expectRejected('- version: 0.0\n- os: linux\n', '', '[{"version":0},{"os":"linux"}]', /mapping/);
  });
  it('a top-level plain string or number', () => {
    expectRejected('hello', '', 'hello', /mapping/);
    expectRejected('42', '', '42', /mapping/);
  });
  it('YAML syntax errors name the position', () => {
    const error = expectRejected(`${HEADER}hooks: [a\n`, '');
    expect(error.message).toMatch(/not valid YAML at line \d+, column \d+/);
  });
  it('tabs and other syntax errors', () => {
    expectRejected('version: 0.0\n\tos: linux\n', '');
    expectRejected('a: "unterminated\n', '');
  });
  it('an alias bomb is refused rather than expanded', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i += 1) lines.push(`${'b'.repeat(i + 1)}: &${'b'.repeat(i + 1)} [${Array(10).fill(i === 0 ? '*a' : `*${'b'.repeat(i)}`).join(', ')}]`);
    expectRejected(lines.join('\n'), '');
  });
  it('a self-referencing structure is reported without crashing', () => {
    const error = appSpecError(() => parseAppSpec(`${HEADER}hooks: &h {A: *h}\n`));
    expect(error.key).toBe('hooks.A');
  });
});
