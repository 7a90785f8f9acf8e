// Helpers shared by the section validators: how a raw YAML value is shown in messages and how scalars
// are turned into text the way the CodeDeploy agent does (Ruby `to_s`).
import { AppSpecError } from './types.ts';

export type YamlMap = Record<string, unknown>;

export function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MAX_RENDERED_CHARS = 200;

/**
 * The value as text for an error message; '' for missing or null. Lists and mappings are shown as JSON,
 * cut to 200 characters. Never throws (YAML aliases can form cycles).
 */
export function renderValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    return Array.isArray(value) ? '[a list too deep or self-referencing to show]' : '{a mapping too deep or self-referencing to show}';
  }
  return text.length > MAX_RENDERED_CHARS ? `${text.slice(0, MAX_RENDERED_CHARS)}…` : text;
}

/** A short name for the kind of a YAML value, for "must be a list, found a mapping" messages. */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  return 'a number';
}

/**
 * Text of a scalar as the agent stringifies it; lists and mappings are rejected because the agent would
 * produce Ruby inspect output (or crash) for them.
 */
export function scalarText(value: unknown, key: string, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new AppSpecError(
    `${capitalise(what)} must be a single value, not ${kindOf(value)} ('${renderValue(value)}') at '${key}'`,
    key,
    renderValue(value),
  );
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A list-valued key: null/absent gives undefined; anything but a list is an error naming the key. */
export function optionalList(value: unknown, key: string, what: string): readonly unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value;
  throw new AppSpecError(
    `${capitalise(what)} must be a list, not ${kindOf(value)} ('${renderValue(value)}') at '${key}'`,
    key,
    renderValue(value),
  );
}
