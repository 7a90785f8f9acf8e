import { describe, expect, it } from 'vitest';
import { parseAppSpec } from './parse.ts';
import { HEADER, expectRejected } from './testing.ts';

const files = (body: string): string => `${HEADER}files:\n${body}`;

describe('files (agent reference §1.6)', () => {
  it('8.1#17 one mapping keeps source and destination', () => {
    expect(parseAppSpec(files('  - source: test_source\n    destination: /test_destination\n')).files).toEqual([
      { source: 'test_source', destination: '/test_destination' },
    ]);
  });
  it('8.1#18 two mappings in order', () => {
    const spec = parseAppSpec(files('  - source: a\n    destination: /x\n  - source: b\n    destination: /y/\n'));
    expect(spec.files).toEqual([
      { source: 'a', destination: '/x' },
      { source: 'b', destination: '/y/' },
    ]);
  });
  it('8.1#19 a mapping with only a source is rejected naming the source', () => {
    expectRejected(files('  - source: test_source\n'), 'files[0].destination', '', /only a source file \('test_source'\)/);
  });
  it('8.1#20 a mapping with only a destination is rejected', () => {
    expectRejected(files('  - destination: /d\n'), 'files[0].source', '', /no source file/);
  });
  it('both missing reports the source first', () => {
    expectRejected(files('  - {}\n'), 'files[0].source', '');
  });
  it('files: with no value is an empty list', () => {
    expect(parseAppSpec(`${HEADER}files:\n`).files).toEqual([]);
  });
  it('sample-style sources: /, trailing slashes, a leading slash, non-string scalars', () => {
    const spec = parseAppSpec(files('  - source: /\n    destination: /etc/ansible/codedeploy\n  - source: chef/\n    destination: /etc/chef/\n  - source: /index.html\n    destination: /var/www/html/\n  - source: 5\n    destination: /n\n'));
    expect(spec.files.map((f) => f.source)).toEqual(['/', 'chef/', '/index.html', '5']);
  });
  it('relative destinations are rejected (the agent accepts them)', () => {
    for (const destination of ['relative/dir', "''", './x']) {
      const error = expectRejected(files(`  - source: a\n    destination: ${destination}\n`), 'files[0].destination');
      expect(error.message).toMatch(/absolute path/);
    }
  });
  it("destinations with '..' are rejected (the agent accepts them)", () => {
    for (const destination of ['/srv/../etc', '/../../etc/passwd', '/srv/..']) {
      expectRejected(files(`  - source: a\n    destination: ${destination}\n`), 'files[0].destination', destination, /'\.\.'/);
    }
  });
  it('sources that climb out of the revision are rejected', () => {
    expectRejected(files('  - source: ../../etc/shadow\n    destination: /x\n'), 'files[0].source', '../../etc/shadow', /climbs out/);
    expect(parseAppSpec(files('  - source: a/../b\n    destination: /x\n')).files[0]?.source).toBe('a/../b');
  });
  it('files given as a map (the agent crashes)', () => {
    expectRejected(`${HEADER}files:\n  source: a\n  destination: /b\n`, 'files', '{"source":"a","destination":"/b"}', /must be a list/);
  });
  it('a mapping entry that is a string, or a source that is a list', () => {
    expectRejected(files('  - app\n'), 'files[0]', 'app');
    expectRejected(files('  - source: [a]\n    destination: /x\n'), 'files[0].source', '["a"]');
  });
});
