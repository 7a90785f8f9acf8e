import { describe, expect, it } from 'vitest';
import { modeBits, modeValue } from './mode.ts';
import { parseAppSpec } from './parse.ts';
import { expectRejected, withPermission } from './testing.ts';

const mode = (text: string): string | undefined =>
  parseAppSpec(withPermission(`object: /srv\nmode: ${text}`)).permissions[0]?.mode;

describe('mode (agent reference §1.9 with decision 4)', () => {
  it('8.1#59 mode 12345 is too long', () => {
    expectRejected(withPermission('object: /srv\nmode: 12345'), 'permissions[0].mode', '12345', /too long/);
  });
  it('8.1#60 mode 12 pads to 012: other -w-, group --x, owner ---', () => {
    expect(mode('12')).toBe('012');
    expect(modeBits('012')).toMatchObject({ other: '-w-', group: '--x', owner: '---', setuid: false });
  });
  it('8.1#61 mode 12a names the invalid character', () => {
    expectRejected(withPermission('object: /srv\nmode: 12a'), 'permissions[0].mode', '12a', /invalid character \('a'\)/);
  });
  it('8.1#62 modes 7777, 0000 and 777', () => {
    expect(mode('7777')).toBe('7777');
    expect(modeBits('7777')).toEqual({ setuid: true, setgid: true, sticky: true, owner: 'rwx', group: 'rwx', other: 'rwx' });
    expect(mode('0000')).toBe('000');
    expect(mode('777')).toBe('777');
  });

  // The §1.9 table: where YAML 1.1 made the agent read a leading-zero number as octal, Convoy keeps the digits.
  it.each([
    ['644', '644'],
    ['"0644"', '0644'],
    ["'0644'", '0644'],
    ['0644', '644'], // agent: 420 (wrong bits)
    ['0755', '755'], // agent: error on '9'
    ['0000', '000'],
    ['12', '012'],
    ["''", '000'], // accepted as the agent does
    ['6763', '6763'],
    ['+0644', '644'],
  ])('table: mode %s → %s', (text, expected) => {
    expect(mode(text)).toBe(expected);
  });
  it.each([
    ['12345', '12345', /too long/],
    ['12a', '12a', /'a'/],
    ['8', '8', /'8'/],
    ['-1', '-1', /'-'/],
    ['1.5', '1.5', /'\.'/],
    ['7.0', '7.0', /'\.'/],
    ['0o644', '0o644', /too long/],
    ['0x1ed', '0x1ed', /too long/],
    ['.inf', '.inf', /'\.'/],
    ['true', 'true', /'t'/],
    ['00012345', '12345', /too long/],
  ])('table: mode %s is rejected', (text, value, message) => {
    expectRejected(withPermission(`object: /srv\nmode: ${text}`), 'permissions[0].mode', value, message);
  });
  it('6763 is setuid+setgid, owner rwx, group rw-, other -wx', () => {
    expect(modeBits('6763')).toEqual({ setuid: true, setgid: true, sticky: false, owner: 'rwx', group: 'rw-', other: '-wx' });
    expect(modeValue('6763')).toBe(0o6763);
  });
  it('a mode given as a list or map is rejected', () => {
    expectRejected(withPermission('object: /srv\nmode: [644]'), 'permissions[0].mode', '[644]');
  });
  it('a mode brought in through an alias or merge key keeps the author digits', () => {
    const text = `version: 0.0\nos: linux\nx: &m {mode: 0755}\npermissions:\n  - object: /srv\n    <<: *m\n`;
    expect(parseAppSpec(text).permissions[0]?.mode).toBe('755');
  });
  it('JSON numbers work the same way', () => {
    const json = JSON.stringify({ version: 0, os: 'linux', permissions: [{ object: '/srv', mode: 755 }] });
    expect(parseAppSpec(json).permissions[0]?.mode).toBe('755');
  });
});
