// Tag filter matching as CodeDeploy defines it: KEY_ONLY, VALUE_ONLY, KEY_AND_VALUE (the default when
// both key and value are given). Filters in one list are ORed; tag sets AND their lists, each ORed.
import type { TagFilter } from './types.ts';

export type TagMap = Readonly<Record<string, string>>;

export function filterType(f: TagFilter): 'KEY_ONLY' | 'VALUE_ONLY' | 'KEY_AND_VALUE' {
  if (f.Type !== undefined) return f.Type;
  if (f.Key !== undefined && f.Value !== undefined) return 'KEY_AND_VALUE';
  return f.Key !== undefined ? 'KEY_ONLY' : 'VALUE_ONLY';
}

export function matchesFilter(tags: TagMap, f: TagFilter): boolean {
  switch (filterType(f)) {
    case 'KEY_ONLY': return f.Key !== undefined && Object.hasOwn(tags, f.Key);
    case 'VALUE_ONLY': return Object.values(tags).includes(f.Value ?? '');
    case 'KEY_AND_VALUE': return f.Key !== undefined && Object.hasOwn(tags, f.Key) && tags[f.Key] === (f.Value ?? '');
  }
}

export function matchesAny(tags: TagMap, filters: readonly TagFilter[]): boolean {
  return filters.some((f) => matchesFilter(tags, f));
}

/** Every list of the set must match (AND), each list by any of its filters (OR). */
export function matchesTagSet(tags: TagMap, set: readonly (readonly TagFilter[])[]): boolean {
  const lists = set.filter((l) => l.length > 0);
  return lists.length > 0 && lists.every((l) => matchesAny(tags, l));
}
