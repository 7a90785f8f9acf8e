import { describe, expect, it } from 'vitest';
import { parseAppSpec } from './parse.ts';
import { HEADER, expectRejected } from './testing.ts';

const hooks = (body: string): string => `${HEADER}hooks:\n${body}`;

describe('hooks (agent reference §1.5)', () => {
  it('8.1#9 one script with location, runas and timeout', () => {
    const spec = parseAppSpec(hooks('  test_hook:\n    - location: test_location\n      runas: foo\n      timeout: 30\n'));
    expect(spec.hooks['test_hook']).toEqual([{ location: 'test_location', timeoutSeconds: 30, runas: 'foo', sudo: false }]);
  });
  it('8.1#10 sudo true is kept', () => {
    const spec = parseAppSpec(hooks('  test_hook:\n    - location: l\n      runas: foo\n      timeout: 30\n      sudo: true\n'));
    expect(spec.hooks['test_hook']?.[0]?.sudo).toBe(true);
  });
  it('8.1#11 two scripts keep their order', () => {
    const spec = parseAppSpec(hooks('  test_hook:\n    - location: first\n    - location: second\n'));
    expect(spec.hooks['test_hook']?.map((s) => s.location)).toEqual(['first', 'second']);
  });
  it('8.1#12 runas absent or given', () => {
    const spec = parseAppSpec(hooks('  h:\n    - location: a\n    - location: b\n      runas: foo3\n'));
    expect(spec.hooks['h']?.map((s) => s.runas)).toEqual([undefined, 'foo3']);
  });
  it('8.1#13 timeout absent defaults to 3600', () => {
    const spec = parseAppSpec(hooks('  h:\n    - location: a\n    - location: b\n      timeout: 30\n'));
    expect(spec.hooks['h']?.map((s) => s.timeoutSeconds)).toEqual([3600, 30]);
  });
  it('8.1#14 an event with a null value is absent; [] is present and empty', () => {
    const spec = parseAppSpec(hooks('  empty_test_hook:\n  none: []\n  test_hook:\n    - location: a\n'));
    expect(Object.keys(spec.hooks)).toEqual(['none', 'test_hook']);
    expect(spec.hooks['none']).toEqual([]);
  });
  it('8.1#15 a script without location is rejected', () => {
    expectRejected(hooks('  test_hook:\n    - timeout: 30\n'), 'hooks.test_hook[0].location', '', /no location value/);
  });
  it('8.1#16 timeout foo is rejected', () => {
    expectRejected(hooks('  h:\n    - location: a\n      timeout: foo\n'), 'hooks.h[0].timeout', 'foo', /Invalid timeout value/);
  });
  it('empty or whitespace-only locations are rejected', () => {
    expectRejected(hooks("  h:\n    - location: ''\n"), 'hooks.h[0].location', '');
    expectRejected(hooks("  h:\n    - location: '   '\n"), 'hooks.h[0].location', '   ');
  });
  it('locations are stringified and trimmed', () => {
    const spec = parseAppSpec(hooks("  h:\n    - location: 5\n    - location: '  s.sh '\n"));
    expect(spec.hooks['h']?.map((s) => s.location)).toEqual(['5', 's.sh']);
  });
  it('a leading slash stays inside the revision; climbing out is rejected', () => {
    expect(parseAppSpec(hooks('  h:\n    - location: /scripts/a.sh\n')).hooks['h']?.[0]?.location).toBe('/scripts/a.sh');
    expect(parseAppSpec(hooks('  h:\n    - location: scripts/../a.sh\n')).hooks['h']?.[0]?.location).toBe('scripts/../a.sh');
    for (const location of ['../a.sh', '/../etc/x', 'scripts/../../a.sh', './..']) {
      expectRejected(hooks(`  h:\n    - location: ${location}\n`), 'hooks.h[0].location', location, /climbs out/);
    }
  });
  it('empty runas counts as absent', () => {
    expect(parseAppSpec(hooks("  h:\n    - location: a\n      runas: ''\n")).hooks['h']?.[0]?.runas).toBeUndefined();
  });
  it('sudo: any truthy value counts, YAML 1.1 no/off stay false as in the agent', () => {
    const values = ['true', 'yes', 'on', '"false"', '1', 'false', 'no', 'Off', '~', "'no'"];
    const spec = parseAppSpec(hooks(`  h:\n${values.map((v) => `    - location: a\n      sudo: ${v}\n`).join('')}`));
    expect(spec.hooks['h']?.map((s) => s.sudo)).toEqual([true, true, true, true, true, false, false, false, false, true]);
  });
  it('unknown and reserved event names parse', () => {
    const spec = parseAppSpec(hooks('  CustomEvent: []\n  Install:\n    - location: a\n  __proto__:\n    - location: b\n'));
    expect(Object.keys(spec.hooks)).toEqual(['CustomEvent', 'Install', '__proto__']);
  });
});

describe('timeouts (decision 11)', () => {
  const timeout = (text: string): number | undefined =>
    parseAppSpec(hooks(`  h:\n    - location: a\n      timeout: ${text}\n`)).hooks['h']?.[0]?.timeoutSeconds;
  it('accepts the forms the agent accepts with the agent meaning', () => {
    expect(timeout('30')).toBe(30);
    expect(timeout("'300'")).toBe(300);
    expect(timeout('30s')).toBe(30);
    expect(timeout('1.9')).toBe(1);
    expect(timeout('99999')).toBe(99999);
    expect(timeout("' 45'")).toBe(45);
    expect(timeout("'1_000'")).toBe(1000);
  });
  it('rejects 0, negatives and non-numbers', () => {
    for (const text of ['0', '-5', "'-5'", 'foo', "''", '0.5', '.nan', '.inf', '1e300']) {
      expectRejected(hooks(`  h:\n    - location: a\n      timeout: ${text}\n`), 'hooks.h[0].timeout');
    }
  });
  it('rejects booleans, lists and mappings (the agent crashes on them)', () => {
    for (const [text, value] of [['true', 'true'], ['false', 'false'], ['[30]', '[30]'], ['{a: 1}', '{"a":1}']]) {
      expectRejected(hooks(`  h:\n    - location: a\n      timeout: ${text}\n`), 'hooks.h[0].timeout', value);
    }
  });
});

describe('hook shapes the agent crashes on', () => {
  it('hooks given as a list', () => {
    expectRejected(`${HEADER}hooks:\n  - location: a\n`, 'hooks', '[{"location":"a"}]', /must be a mapping/);
  });
  it('hooks given as a string', () => {
    expectRejected(`${HEADER}hooks: nope\n`, 'hooks', 'nope');
  });
  it('an event value that is a string', () => {
    expectRejected(hooks('  AfterInstall: scripts/a.sh\n'), 'hooks.AfterInstall', 'scripts/a.sh', /must be a list of scripts/);
  });
  it('an event value that is a map', () => {
    expectRejected(hooks('  AfterInstall:\n    location: a\n'), 'hooks.AfterInstall', '{"location":"a"}');
  });
  it('a script entry that is a string or number', () => {
    expectRejected(hooks('  h:\n    - scripts/a.sh\n'), 'hooks.h[0]', 'scripts/a.sh');
    expectRejected(hooks('  h:\n    - 5\n'), 'hooks.h[0]', '5');
  });
  it('a location or runas that is a list or map', () => {
    expectRejected(hooks('  h:\n    - location: [a]\n'), 'hooks.h[0].location', '["a"]');
    expectRejected(hooks('  h:\n    - location: a\n      runas: {u: 1}\n'), 'hooks.h[0].runas', '{"u":1}');
  });
});
