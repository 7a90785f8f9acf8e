// The `hooks` section (agent reference §1.5, compatibility decision 11).
import { AppSpecError, DEFAULT_HOOK_TIMEOUT_SECONDS, type HookScript } from './types.ts';
import { relativePathEscapes } from './paths.ts';
import { isMap, kindOf, renderValue, scalarText } from './values.ts';

/** Event name -> scripts. A null event is absent; `[]` is present with no scripts. */
export function parseHooks(raw: unknown): Record<string, readonly HookScript[]> {
  if (raw === undefined || raw === null) return {};
  if (!isMap(raw)) {
    throw new AppSpecError(
      `Hooks must be a mapping of lifecycle event names to lists of scripts, not ${kindOf(raw)} ('${renderValue(raw)}') at 'hooks'`,
      'hooks',
      renderValue(raw),
    );
  }
  const entries: [string, readonly HookScript[]][] = [];
  for (const [event, scripts] of Object.entries(raw)) {
    if (scripts === null) continue;
    const key = `hooks.${event}`;
    if (!Array.isArray(scripts)) {
      throw new AppSpecError(
        `Hook '${event}' must be a list of scripts, not ${kindOf(scripts)} ('${renderValue(scripts)}') at '${key}'`,
        key,
        renderValue(scripts),
      );
    }
    entries.push([event, scripts.map((script, i) => parseScript(script, `${key}[${i}]`))]);
  }
  // fromEntries defines own properties, so an event named `__proto__` stays an ordinary key.
  return Object.fromEntries(entries);
}

function parseScript(raw: unknown, key: string): HookScript {
  if (!isMap(raw)) {
    throw new AppSpecError(
      `A script at '${key}' must be a mapping with a location, not ${kindOf(raw)} ('${renderValue(raw)}')`,
      key,
      renderValue(raw),
    );
  }
  const location = parseLocation(raw['location'], `${key}.location`);
  const runas =
    raw['runas'] === undefined || raw['runas'] === null ? '' : scalarText(raw['runas'], `${key}.runas`, 'runas').trim();
  return {
    location,
    timeoutSeconds: parseTimeout(raw['timeout'], `${key}.timeout`),
    ...(runas === '' ? {} : { runas }),
    sudo: isTruthySudo(raw['sudo']),
  };
}

function parseLocation(raw: unknown, key: string): string {
  const location = raw === undefined || raw === null ? '' : scalarText(raw, key, 'script location').trim();
  if (location === '') {
    throw new AppSpecError(`A script at '${key}' has no location value ('${renderValue(raw)}')`, key, renderValue(raw));
  }
  // The agent joins the location under the revision root (a leading `/` stays inside); climbing out is refused.
  if (relativePathEscapes(location)) {
    throw new AppSpecError(
      `Script location ('${location}') at '${key}' climbs out of the revision with '..'`,
      key,
      location,
    );
  }
  return location;
}

/**
 * Ruby `to_i` as the agent applies it: integers as is, floats truncated, strings by their leading integer
 * (`'300'` → 300, `30s` → 30, `foo` → 0). Results ≤ 0 and values the agent crashes on are errors.
 */
export function parseTimeout(raw: unknown, key: string): number {
  if (raw === undefined || raw === null) return DEFAULT_HOOK_TIMEOUT_SECONDS;
  let seconds: number;
  if (typeof raw === 'number') seconds = Math.trunc(raw);
  else if (typeof raw === 'string') seconds = rubyToI(raw);
  else {
    throw new AppSpecError(
      `Invalid timeout value at '${key}': expected a whole number of seconds, not ${kindOf(raw)} ('${renderValue(raw)}')`,
      key,
      renderValue(raw),
    );
  }
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new AppSpecError(
      `Invalid timeout value ('${renderValue(raw)}') at '${key}': expected a positive whole number of seconds`,
      key,
      renderValue(raw),
    );
  }
  return seconds;
}

function rubyToI(text: string): number {
  const match = /^\s*([-+]?)([0-9]+(?:_[0-9]+)*)/.exec(text);
  if (!match) return 0;
  const value = Number((match[2] ?? '0').replaceAll('_', ''));
  return match[1] === '-' ? -value : value;
}

// Plain scalars the Ruby agent's YAML 1.1 loader reads as false; the loader turns unquoted ones into booleans
// (see load.ts), so only the real boolean and null reach here as false. Any other value is truthy in Ruby.
function isTruthySudo(raw: unknown): boolean {
  return raw !== undefined && raw !== null && raw !== false;
}
