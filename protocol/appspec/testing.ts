// Test helpers shared by this folder's *.test.ts files (not part of the public API).
import { expect } from 'vitest';
import { AppSpecError } from './types.ts';
import { parseAppSpec } from './parse.ts';

export const HEADER = 'version: 0.0\nos: linux\n';

/** Runs `fn`, asserts it threw an AppSpecError, and returns it for further checks. */
export function appSpecError(fn: () => unknown): AppSpecError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppSpecError);
    return error as AppSpecError;
  }
  throw new Error('expected an AppSpecError, but nothing was thrown');
}

/** Asserts parsing `text` fails with the given key (and value/message when given). */
export function expectRejected(text: string, key: string, value?: string, message?: RegExp): AppSpecError {
  const error = appSpecError(() => parseAppSpec(text));
  expect(error.key).toBe(key);
  if (value !== undefined) expect(error.value).toBe(value);
  if (message !== undefined) expect(error.message).toMatch(message);
  return error;
}

/** An appspec with one permission entry written as YAML lines (indented under `- `). */
export function withPermission(lines: string): string {
  const body = lines
    .trim()
    .split('\n')
    .map((line, i) => (i === 0 ? `  - ${line}` : `    ${line}`))
    .join('\n');
  return `${HEADER}permissions:\n${body}\n`;
}
