// SELinux `context` of a permission (agent reference §1.11, compatibility decision 2).
import { AppSpecError, type SeLinuxContext, type SeLinuxRange } from './types.ts';
import { isMap, kindOf, renderValue, scalarText } from './values.ts';

const MAX_CATEGORY = 1023;

/** Validates `context`: `type` required; user from `name` (agent) or `user` (docs); optional `range`. */
export function parseContext(raw: unknown, key: string): SeLinuxContext {
  if (!isMap(raw)) {
    throw new AppSpecError(
      `SELinux context at '${key}' must be a mapping with type, name and range, not ${kindOf(raw)} ('${renderValue(raw)}')`,
      key,
      renderValue(raw),
    );
  }
  const type = raw['type'] === undefined || raw['type'] === null ? '' : scalarText(raw['type'], `${key}.type`, 'context type');
  if (type.trim() === '') {
    throw new AppSpecError(`Invalid context type at '${key}.type': a context needs a type (${renderValue(raw)})`, `${key}.type`, renderValue(raw));
  }
  const user = contextUser(raw, key);
  const range =
    raw['range'] === undefined || raw['range'] === null
      ? undefined
      : parseRange(scalarText(raw['range'], `${key}.range`, 'context range'), `${key}.range`);
  return { type, ...(user === undefined ? {} : { user }), ...(range === undefined ? {} : { range }) };
}

function contextUser(raw: Record<string, unknown>, key: string): string | undefined {
  const text = (field: string): string | undefined => {
    const value = raw[field];
    return value === undefined || value === null ? undefined : scalarText(value, `${key}.${field}`, `context ${field}`);
  };
  const name = text('name');
  const user = text('user');
  if (name !== undefined && user !== undefined && name !== user) {
    throw new AppSpecError(
      `SELinux context at '${key}' gives two different users: name ('${name}') and user ('${user}'); give one`,
      `${key}.user`,
      user,
    );
  }
  return name ?? user;
}

/** Parses `s<N>[-s<M>][:cat(,cat)*]` where cat is `c<N>` or `c<N>.c<M>`. */
export function parseRange(text: string, key: string): SeLinuxRange {
  const fail = (problem: string): AppSpecError =>
    new AppSpecError(`${problem} in SELinux range ('${text}') at '${key}'`, key, text);
  const colon = text.indexOf(':');
  const levels = colon === -1 ? text : text.slice(0, colon);
  const categoryText = colon === -1 ? undefined : text.slice(colon + 1);
  if (levels === '' || categoryText === '') throw fail(`Invalid range part '${text}'`);
  const dash = levels.indexOf('-');
  const lowText = dash === -1 ? levels : levels.slice(0, dash);
  const highText = dash === -1 ? levels : levels.slice(dash + 1);
  if (lowText === '' || highText === '') throw fail(`Invalid range part '${levels}'`);
  const low = sensitivity(lowText, fail);
  const high = sensitivity(highText, fail);
  if (high < low) {
    throw fail(`The high sensitivity ('${highText}') is below the low sensitivity ('${lowText}')`);
  }
  const categories = categoryText === undefined ? [] : parseCategories(categoryText, fail);
  return { low, high, categories };
}

function sensitivity(text: string, fail: (problem: string) => AppSpecError): number {
  if (!/^s[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text.slice(1)))) {
    throw fail(`Invalid sensitivity '${text}'`);
  }
  return Number(text.slice(1));
}

function parseCategories(text: string, fail: (problem: string) => AppSpecError): number[] {
  const seen = new Set<number>();
  for (const part of text.split(',')) {
    const dot = part.indexOf('.');
    const lowText = dot === -1 ? part : part.slice(0, dot);
    const highText = dot === -1 ? part : part.slice(dot + 1);
    if (lowText === '' || highText === '') throw fail(`Invalid range part '${part}'`);
    const low = category(lowText, fail);
    const high = category(highText, fail);
    if (high < low) throw fail(`Invalid category range '${part}'`);
    for (let c = low; c <= high; c += 1) {
      if (seen.has(c)) throw fail(`Duplicate categories ('c${c}')`);
      seen.add(c);
    }
  }
  return [...seen].sort((a, b) => a - b);
}

function category(text: string, fail: (problem: string) => AppSpecError): number {
  const value = /^c[0-9]+$/.test(text) ? Number(text.slice(1)) : Number.NaN;
  if (!(value <= MAX_CATEGORY)) throw fail(`Invalid category '${text}'`);
  return value;
}

/** Canonical text with runs compressed: `s3-s7:c5,c8.c10,c17`. */
export function formatRange(range: SeLinuxRange): string {
  const levels = range.high === range.low ? `s${range.low}` : `s${range.low}-s${range.high}`;
  const runs: string[] = [];
  const cats = range.categories;
  for (let i = 0; i < cats.length; ) {
    let j = i;
    while (j + 1 < cats.length && cats[j + 1] === (cats[j] ?? 0) + 1) j += 1;
    runs.push(j === i ? `c${cats[i]}` : `c${cats[i]}.c${cats[j]}`);
    i = j + 1;
  }
  return runs.length === 0 ? levels : `${levels}:${runs.join(',')}`;
}
