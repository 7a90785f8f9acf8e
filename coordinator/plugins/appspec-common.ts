// Helpers shared by the Lambda and ECS AppSpec parsers: YAML-or-JSON text, case-insensitive keys
// (the AWS reference page shows lowercase keys, its examples PascalCase), and lists of one-key maps.

import { parse as parseYaml } from 'yaml';
import { AppSpecInvalidError } from './errors.ts';

export type Mapping = Readonly<Record<string, unknown>>;

/** AppSpec text is bounded; a revision is one small file. */
export const MAX_APPSPEC_BYTES = 256 * 1024;

export function parseAppSpecDocument(text: string): Mapping {
  if (typeof text !== 'string' || text.trim() === '') throw new AppSpecInvalidError('AppSpec is empty', '');
  if (Buffer.byteLength(text) > MAX_APPSPEC_BYTES) {
    throw new AppSpecInvalidError(`AppSpec is larger than ${MAX_APPSPEC_BYTES} bytes`, '');
  }
  let doc: unknown;
  try {
    doc = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true, maxAliasCount: 50 });
  } catch (err) {
    throw new AppSpecInvalidError(`AppSpec is neither valid YAML nor JSON: ${(err as Error).message.split('\n')[0]}`, '');
  }
  const root = asMapping(doc, '');
  const version = field(root, 'version', '');
  if (version === undefined) throw new AppSpecInvalidError('AppSpec has no version', 'version');
  if (!(version === 0 || version === '0.0' || version === '0')) {
    throw new AppSpecInvalidError(`AppSpec version must be 0.0: ${JSON.stringify(version)}`, 'version');
  }
  return root;
}

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asMapping(value: unknown, key: string): Mapping {
  if (!isMapping(value)) throw new AppSpecInvalidError(`${key || 'AppSpec'} must be a mapping`, key);
  return value;
}

/** Case-insensitive lookup; two keys differing only by case are an error. */
export function field(map: Mapping, name: string, path: string): unknown {
  const matches = Object.keys(map).filter((k) => k.toLowerCase() === name.toLowerCase());
  if (matches.length > 1) {
    throw new AppSpecInvalidError(`${join(path, name)} is given more than once (${matches.join(', ')})`, join(path, name));
  }
  return matches.length === 0 ? undefined : map[matches[0]!];
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function requiredString(map: Mapping, name: string, path: string): string {
  const value = field(map, name, path);
  if (value === undefined || value === null) throw new AppSpecInvalidError(`${join(path, name)} is required`, join(path, name));
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AppSpecInvalidError(`${join(path, name)} must be a non-empty string`, join(path, name));
  }
  return value.trim();
}

export function optionalString(map: Mapping, name: string, path: string): string | undefined {
  const value = field(map, name, path);
  return value === undefined || value === null ? undefined : requiredString(map, name, path);
}

/** A list of one-key maps (`- name: value`), returned as [key, value] pairs in order. */
export function oneKeyList(value: unknown, path: string): Array<[string, unknown]> {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new AppSpecInvalidError(`${path} must be a list of one-key maps`, path);
  return value.map((item, i) => {
    const itemPath = `${path}[${i}]`;
    if (!isMapping(item) || Object.keys(item).length !== 1) {
      throw new AppSpecInvalidError(`${itemPath} must be a map with exactly one key`, itemPath);
    }
    const [k, v] = Object.entries(item)[0]!;
    return [k, v];
  });
}

/**
 * Hooks: `- <Event>: <function name or ARN>`, each allowed event at most once, names matched case-insensitively
 * and returned in canonical spelling.
 */
export function parseHooks(root: Mapping, allowed: readonly string[]): Record<string, string> {
  const hooks: Record<string, string> = {};
  oneKeyList(field(root, 'Hooks', ''), 'Hooks').forEach(([event, fn], i) => {
    const path = `Hooks[${i}].${event}`;
    const canonical = allowed.find((a) => a.toLowerCase() === event.toLowerCase());
    if (canonical === undefined) {
      throw new AppSpecInvalidError(`Unknown hook event "${event}"; allowed: ${allowed.join(', ')}`, path);
    }
    if (hooks[canonical] !== undefined) throw new AppSpecInvalidError(`Hook ${canonical} is given more than once`, path);
    if (typeof fn !== 'string' || fn.trim() === '') {
      throw new AppSpecInvalidError(`Hook ${canonical} must name a Lambda function`, path);
    }
    hooks[canonical] = fn.trim();
  });
  return hooks;
}
