// Property: whatever the text, parseAppSpec returns an AppSpec or throws AppSpecError, and the JSON view
// of a parsed AppSpec is stable through JSON and parses back to itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { toNormalisedJson } from './normalise.ts';
import { parseAppSpec } from './parse.ts';
import { AppSpecError, type AppSpec } from './types.ts';

const VALID = `version: 0.0
os: linux
files:
  - source: app/
    destination: /srv/app
hooks:
  AfterInstall:
    - location: scripts/after.sh
      timeout: 300
      runas: app
permissions:
  - object: /srv/app
    pattern: "*.sh"
    except: [skip.sh]
    type: [file]
    mode: 0755
    acls: ["u:bob:rw", "d:g:dev:5"]
    context: {name: system_u, type: bin_t, range: "s0-s2:c1.c3,c9"}
file_exists_behavior: RETAIN
`;

/** Parses, asserting the outcome is an AppSpec or an AppSpecError; returns the AppSpec when there is one. */
function parseOrReject(text: string): AppSpec | undefined {
  try {
    return parseAppSpec(text);
  } catch (error) {
    // Plain checks rather than expect(): this runs thousands of times.
    if (!(error instanceof AppSpecError) || typeof error.key !== 'string' || typeof error.value !== 'string') throw error;
    return undefined;
  }
}

function checkRoundTrip(spec: AppSpec): void {
  const json = toNormalisedJson(spec);
  const text = JSON.stringify(json);
  expect(JSON.parse(text)).toEqual(json);
  expect(toNormalisedJson(parseAppSpec(text))).toEqual(json);
}

const scalar = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 30, 1.9, '', ' ', '0644', '30s', 'foo', '**', '/', '..', 'linux', '0.0'),
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -10, max: 100000 }),
  fc.double({ noNaN: false }),
);
const anyValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 3 })),
})).value;

// Mostly-valid pieces (weight 6) mixed with wrong ones (weight 1), so many runs get past the early checks.
const pick = (valid: readonly unknown[], invalid: readonly unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...invalid) });
const orJunk = (arbitrary: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 8, arbitrary }, { weight: 1, arbitrary: anyValue });

const script = fc.record(
  {
    location: pick(['s.sh', '/s.sh', ' x/y.sh ', 5], ['../s.sh', '', null, ['a']]),
    timeout: pick([30, '300', '30s', 1.9, null], [0, -1, 'foo', true]),
    runas: pick(['root', '', null], [{ a: 1 }]),
    sudo: pick([true, false, 'no', 'false', null], [[1]]),
  },
  { requiredKeys: ['location'] },
);
const permission = fc.record(
  {
    object: pick(['/srv', 'rel', ' /x '], ['', null, [3]]),
    pattern: pick(['**', '*.sh', '', null], [['x']]),
    except: pick([[], ['a'], null], ['a', [null]]),
    type: pick([['file'], ['directory'], [], null], ['file', ['link']]),
    owner: pick(['bob', 1000, null], ['']),
    mode: pick([644, '0644', '0755', 7, '', null], [12345, '12a', 1.5, [1]]),
    acls: fc.oneof(
      fc.array(pick(['u:bob:7', 'd:g:dev:rw', 'm:7', 'mask:', 'd::5'], ['o:7', 'u::7', 'bob:8', '7', 5]), { maxLength: 3 }),
      fc.constant(null),
    ),
    context: pick(
      [{ type: 't' }, { name: 'u', type: 't', range: 's0:c1,c3.c5' }, { user: 'u', name: 'u', type: 't', range: 's2-s4' }, null],
      [{ name: 'a', user: 'b', type: 't' }, { name: 'u' }, { type: 't', range: 's3-s1' }, { type: 't', range: 's0:c0.c2,c1' }, 'x'],
    ),
  },
  { requiredKeys: ['object'] },
);
const fileMapping = fc.record({
  source: pick(['a', '/', 'a/../b', 4], ['../x', null]),
  destination: pick(['/d', '/d/', '/srv/app'], ['rel', '/a/../b', null, '']),
});
const appspecObject = fc.record(
  {
    version: pick([0, '0.0'], ['0', 1, null]),
    os: pick(['linux'], ['windows', 'Linux', null]),
    hooks: orJunk(
      fc.dictionary(
        fc.constantFrom('AfterInstall', 'ApplicationStart', 'Custom', '__proto__'),
        fc.oneof(fc.array(script, { maxLength: 3 }), fc.constant(null)),
        { maxKeys: 3 },
      ),
    ),
    files: orJunk(fc.array(fileMapping, { maxLength: 3 })),
    permissions: orJunk(fc.array(permission, { maxLength: 2 })),
    file_exists_behavior: pick(['RETAIN', 'OVERWRITE', 'DISALLOW', null], ['retain', 1]),
  },
  { requiredKeys: ['version', 'os'] },
);
const serialise = (value: unknown, asJson: boolean): string => (asJson ? JSON.stringify(value) ?? 'null' : stringify(value));

describe('parseAppSpec never throws anything but AppSpecError', () => {
  it('structured appspecs, as YAML or JSON; successes round-trip', () => {
    let successes = 0;
    fc.assert(
      fc.property(appspecObject, fc.boolean(), (object, asJson) => {
        const spec = parseOrReject(serialise(object, asJson));
        if (spec !== undefined) {
          successes += 1;
          checkRoundTrip(spec);
        }
      }),
      { numRuns: 300 },
    );
    expect(successes).toBeGreaterThan(20);
  });
  it('arbitrary values serialised to YAML or JSON', () => {
    fc.assert(
      fc.property(anyValue, fc.boolean(), (value, asJson) => {
        parseOrReject(serialise(value, asJson));
      }),
      { numRuns: 200 },
    );
  });
  it('arbitrary text', () => {
    const yamlish = fc.string({ unit: fc.constantFrom(...'ab0 :-[]{},&*!|>\'"#%@`\n\t?'.split('')), maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), yamlish), (text) => {
        parseOrReject(text);
      }),
      { numRuns: 500 },
    );
  });
  it('character-level mutations of a valid appspec', () => {
    const insertable = fc.constantFrom(' ', '  ', '\n', ':', '-', '[', ']', '{', '}', '0', '*', '&a', '*a', '"', "'", '..', '#', '\t', '!!int ', '<<: ');
    const mutation = fc.record({ at: fc.nat({ max: VALID.length }), remove: fc.nat({ max: 6 }), insert: fc.oneof(insertable, fc.constant('')) });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        let text = VALID;
        for (const { at, remove, insert } of mutations) {
          const position = Math.min(at, text.length);
          text = text.slice(0, position) + insert + text.slice(position + remove);
        }
        const spec = parseOrReject(text);
        if (spec !== undefined) checkRoundTrip(spec);
      }),
      { numRuns: 300 },
    );
  });
  it('the unmutated sample parses and round-trips', () => {
    const spec = parseAppSpec(VALID);
    expect(spec.permissions[0]?.mode).toBe('755');
    checkRoundTrip(spec);
  });
});
