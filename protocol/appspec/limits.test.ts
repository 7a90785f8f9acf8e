import { describe, expect, it } from 'vitest';
import { MAX_APPSPEC_CHARS } from './limits.ts';
import { parseAppSpec } from './parse.ts';
import { HEADER, expectRejected } from './testing.ts';

describe('hostile input is refused quickly with an AppSpecError', () => {
  it('text over the size limit', () => {
    expectRejected('#'.repeat(MAX_APPSPEC_CHARS + 1), '', String(MAX_APPSPEC_CHARS + 1), /too large/);
  });
  it('deep indentation (the YAML parser would exhaust memory)', () => {
    const staircase = Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}- `).join('\n');
    expectRejected(`${staircase}x`, '', 'line 202', /indented too deeply at line 202/);
  });
  it('deep flow nesting and compact block nesting', () => {
    expectRejected(`${HEADER}hooks: ${'['.repeat(100)}${']'.repeat(100)}`, '', 'line 3', /nested too deeply/);
    expectRejected('- '.repeat(100), '', 'line 1', /nested too deeply/);
    expectRejected('? '.repeat(100), '', 'line 1', /nested too deeply/);
  });
  it('brackets inside quoted strings and comments do not count', () => {
    const text = `${HEADER}hooks:\n  A:\n    - location: "${'['.repeat(100)}" # ${'{'.repeat(100)}\n`;
    expect(parseAppSpec(text).hooks['A']?.[0]?.location).toBe('['.repeat(100));
  });
  it('moderate nesting still reaches validation', () => {
    expectRejected(`${'['.repeat(60)}${']'.repeat(60)}`, '', undefined, /must be a mapping/);
  });
  it('tags the core schema does not know are kept as plain values', () => {
    expectRejected(`${HEADER}files: !ruby/object:Foo {a: 1}\n`, 'files', '{"a":1}');
    expectRejected(`${HEADER}hooks:\n  A:\n    - location: !!binary aGVsbG8=\n`, 'hooks.A[0].location');
  });
  it('a %YAML 1.1 directive does not bring back octal modes', () => {
    const text = '%YAML 1.1\n---\nversion: 0.0\nos: linux\npermissions:\n  - object: /s\n    mode: 0644\n';
    expect(parseAppSpec(text).permissions[0]?.mode).toBe('644');
  });
  it('a byte-order mark and CRLF line ends are fine', () => {
    expect(parseAppSpec('\uFEFFversion: 0.0\r\nos: linux\r\nhooks:\r\n  A:\r\n    - location: x\r\n').hooks['A']).toHaveLength(1);
  });
});
