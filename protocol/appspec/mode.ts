// Permission `mode` values (agent reference §1.9, compatibility decision 4).
import { AppSpecError } from './types.ts';
import { kindOf, renderValue } from './values.ts';

/**
 * The mode text the author meant for an unquoted YAML number, given its source text. A decimal integer
 * keeps its digits minus leading zeros, as YAML 1.2 reads it (`0644` → `644`, `0755` → `755`; the Ruby agent
 * reads these as octal and gets 420 or an error). Any other number form (`0o644`, `0x1ed`, `7.0`, `.inf`)
 * is kept exactly as written, so validation rejects it naming the author's text.
 */
export function modeTextFromNumberSource(source: string): string {
  const decimal = /^([-+]?)([0-9]+)$/.exec(source);
  if (!decimal) return source;
  const digits = (decimal[2] ?? '').replace(/^0+(?=[0-9])/, '');
  return decimal[1] === '-' ? `-${digits}` : digits;
}

/**
 * Validates a mode and returns it as the agent keeps it: the text left-padded with zeros to 3 characters,
 * at most 4 octal digits (`12` → `012`, `0755` → `0755`, `''` → `000` as the agent does).
 */
export function parseMode(raw: unknown, key: string): string {
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (typeof raw === 'number' || typeof raw === 'boolean') text = String(raw);
  else {
    throw new AppSpecError(
      `Permissions mode at '${key}' must be octal digits such as 644, not ${kindOf(raw)} ('${renderValue(raw)}')`,
      key,
      renderValue(raw),
    );
  }
  const padded = text.padStart(3, '0');
  if (padded.length > 4) {
    throw new AppSpecError(
      `Permissions mode ('${text}') at '${key}' is too long: a mode has at most 4 octal digits`,
      key,
      text,
    );
  }
  const bad = [...padded].find((c) => c < '0' || c > '7');
  if (bad !== undefined) {
    throw new AppSpecError(
      `Permissions mode ('${padded}') at '${key}' has an invalid character ('${bad}'): only octal digits 0-7 are allowed`,
      key,
      text,
    );
  }
  return padded;
}

export interface ModeBits {
  readonly setuid: boolean;
  readonly setgid: boolean;
  readonly sticky: boolean;
  /** rwx triplets with dashes, e.g. `rw-`. */
  readonly owner: string;
  readonly group: string;
  readonly other: string;
}

/** Reads a validated mode string (digits from the right: other, group, owner, special). */
export function modeBits(mode: string): ModeBits {
  const digit = (fromRight: number): number => Number(mode.charAt(mode.length - fromRight) || '0');
  const special = mode.length === 4 ? digit(4) : 0;
  return {
    setuid: (special & 4) !== 0,
    setgid: (special & 2) !== 0,
    sticky: (special & 1) !== 0,
    owner: rwx(digit(3)),
    group: rwx(digit(2)),
    other: rwx(digit(1)),
  };
}

export function rwx(bits: number): string {
  return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
}

/** Numeric value for chmod. */
export function modeValue(mode: string): number {
  return Number.parseInt(mode, 8);
}
