import { describe, expect, it } from 'vitest';
import { parseAppSpec } from './parse.ts';
import { formatRange, parseRange } from './selinux.ts';
import { appSpecError, expectRejected, withPermission } from './testing.ts';

const rejectRange = (text: string, message: RegExp): void => {
  const error = appSpecError(() => parseRange(text, 'range'));
  expect(error.key).toBe('range');
  expect(error.value).toBe(text);
  expect(error.message).toMatch(message);
};

describe('SELinux ranges (agent reference §1.11)', () => {
  it('8.1#42 high below low', () => rejectRange('s3-s2:c0', /high sensitivity \('s2'\) is below the low sensitivity \('s3'\)/));
  it('8.1#43 s3-:c0', () => rejectRange('s3-:c0', /Invalid range part 's3-'/));
  it('8.1#44 s5 alone', () => expect(parseRange('s5', 'r')).toEqual({ low: 5, high: 5, categories: [] }));
  it('8.1#45 :c0', () => rejectRange(':c0', /Invalid range part ':c0'/));
  it('8.1#46 s', () => rejectRange('s', /Invalid sensitivity 's'/));
  it('8.1#47 s0-s-1', () => rejectRange('s0-s-1', /Invalid sensitivity 's-1'/));
  it('8.1#48 sd3 and d3', () => {
    rejectRange('sd3', /Invalid sensitivity 'sd3'/);
    rejectRange('d3', /Invalid sensitivity 'd3'/);
  });
  it('8.1#49 s0:c2.c1', () => rejectRange('s0:c2.c1', /Invalid category range 'c2\.c1'/));
  it('8.1#50 s0:c2.', () => rejectRange('s0:c2.', /Invalid range part 'c2\.'/));
  it('8.1#51 s0:c0.c1,c15,c7.c9 has 6 categories', () => {
    expect(parseRange('s0:c0.c1,c15,c7.c9', 'r').categories).toEqual([0, 1, 7, 8, 9, 15]);
  });
  it('8.1#52 s0:', () => rejectRange('s0:', /Invalid range part 's0:'/));
  it('8.1#53 s0:c', () => rejectRange('s0:c', /Invalid category 'c'/));
  it('8.1#54 s0:c-1', () => rejectRange('s0:c-1', /Invalid category 'c-1'/));
  it('8.1#55 s0:c1024', () => rejectRange('s0:c1024', /Invalid category 'c1024'/));
  it('8.1#57 s0:cd3 and s0:d3', () => {
    rejectRange('s0:cd3', /Invalid category 'cd3'/);
    rejectRange('s0:d3', /Invalid category 'd3'/);
  });
  it('8.1#58 s0:c0.c2,c1 has duplicate categories', () => rejectRange('s0:c0.c2,c1', /Duplicate categories/));
  it('8.1#65 ranges render canonically and round-trip', () => {
    expect(formatRange(parseRange('s3', 'r'))).toBe('s3');
    expect(formatRange(parseRange('s3-s7:c5,c8.c10,c17', 'r'))).toBe('s3-s7:c5,c8.c10,c17');
    expect(formatRange(parseRange('s0:c0.c1,c15,c7.c9', 'r'))).toBe('s0:c0.c1,c7.c9,c15');
    expect(formatRange(parseRange('s2-s3:c0,c2,c3,c4,c6', 'r'))).toBe('s2-s3:c0,c2.c4,c6');
    expect(formatRange(parseRange('s0:c1023', 'r'))).toBe('s0:c1023');
  });
  it('more malformed ranges', () => {
    rejectRange('s0:c1,,c2', /Invalid range part ''/);
    rejectRange('s0:c1.c2.c3', /Invalid category 'c2\.c3'/);
    rejectRange('-s1', /Invalid range part '-s1'/);
  });
});

describe('SELinux context (agent reference §1.11, decision 2)', () => {
  const context = (lines: string): unknown => parseAppSpec(withPermission(`object: /srv\ncontext:\n${lines}`)).permissions[0]?.context;
  it('8.1#56 a context without type is rejected showing the map', () => {
    expectRejected(withPermission('object: /srv\ncontext:\n  name: name'), 'permissions[0].context.type', '{"name":"name"}', /Invalid context type/);
  });
  it('decision 2: the user comes from name (agent) or user (docs)', () => {
    expect(context('  name: user_u\n  type: t')).toEqual({ user: 'user_u', type: 't' });
    expect(context('  user: user_u\n  type: t')).toEqual({ user: 'user_u', type: 't' });
    expect(context('  user: user_u\n  name: user_u\n  type: t')).toEqual({ user: 'user_u', type: 't' });
    expect(context('  type: t')).toEqual({ type: 't' });
  });
  it('decision 2: name and user that differ are an error', () => {
    expectRejected(withPermission('object: /srv\ncontext:\n  name: a_u\n  user: b_u\n  type: t'), 'permissions[0].context.user', 'b_u', /'a_u'.*'b_u'/);
  });
  it('role is never read; range is parsed and errors name the key', () => {
    expect(context('  type: t\n  role: r\n  range: s0')).toEqual({ type: 't', range: { low: 0, high: 0, categories: [] } });
    expectRejected(withPermission('object: /srv\ncontext:\n  type: t\n  range: s9-s1'), 'permissions[0].context.range', 's9-s1');
  });
  it('a context that is not a mapping is rejected', () => {
    expectRejected(withPermission('object: /srv\ncontext: unconfined_t'), 'permissions[0].context', 'unconfined_t');
  });
});
