// Top level of AppSpec validation (agent reference §1.1-1.4, §1.7; compatibility decisions 1 and 13).
// Sections are checked in the agent's order and the first failure wins:
// version → os → hooks → files → permissions → file_exists_behavior.
import { AppSpecError, FILE_EXISTS_BEHAVIORS, type AppSpec, type FileExistsBehavior } from './types.ts';
import { parseFiles } from './files.ts';
import { parseHooks } from './hooks.ts';
import { loadAppSpecText } from './load.ts';
import { parsePermissions } from './permissions.ts';
import { isMap, kindOf, renderValue } from './values.ts';

export interface ParseAppSpecOptions {
  /** The host's operating system; Convoy agents run on Linux only. */
  readonly os?: 'linux';
}

/** Parses and validates AppSpec text (YAML or JSON). Throws only AppSpecError. */
export function parseAppSpec(text: string, opts: ParseAppSpecOptions = {}): AppSpec {
  if (typeof text !== 'string') {
    throw new AppSpecError(`The AppSpec must be text, not ${kindOf(text)}`, '', renderValue(text));
  }
  const document = loadAppSpecText(text);
  // Ruby treats only nil and false as empty; both mean "nothing usable here".
  if (document === null || document === undefined || document === false) {
    throw new AppSpecError('The AppSpec file is empty', '', '');
  }
  if (!isMap(document)) {
    throw new AppSpecError(
      `The AppSpec file must be a mapping of keys such as version, os and hooks, not ${kindOf(document)} ('${renderValue(document)}')`,
      '',
      renderValue(document),
    );
  }
  checkVersion(document['version']);
  checkOs(document['os'], opts.os ?? 'linux');
  const hooks = parseHooks(document['hooks']);
  const files = parseFiles(document['files']);
  const permissions = parsePermissions(document['permissions']);
  const fileExistsBehavior = parseFileExistsBehavior(document['file_exists_behavior']);
  return {
    version: 0,
    os: 'linux',
    hooks,
    files,
    permissions,
    ...(fileExistsBehavior === undefined ? {} : { fileExistsBehavior }),
  };
}

/** Decision 1: an unquoted number equal to 0 (the agent's rule) or the documented string "0.0". */
function checkVersion(raw: unknown): void {
  if ((typeof raw === 'number' && raw === 0) || raw === '0.0') return;
  throw new AppSpecError(
    `Invalid version value ('${renderValue(raw)}') at 'version': the version must be 0.0`,
    'version',
    renderValue(raw),
  );
}

function checkOs(raw: unknown, hostOs: 'linux'): void {
  if (raw === hostOs) return;
  const value = renderValue(raw);
  const reason =
    raw === 'windows'
      ? 'Convoy agents run on Linux only, so Windows revisions are not supported'
      : `this host runs '${hostOs}' (the value is case-sensitive)`;
  throw new AppSpecError(`Unsupported operating system ('${value}') at 'os': ${reason}`, 'os', value);
}

function parseFileExistsBehavior(raw: unknown): FileExistsBehavior | undefined {
  if (raw === undefined || raw === null) return undefined;
  const match = FILE_EXISTS_BEHAVIORS.find((behavior) => behavior === raw);
  if (match !== undefined) return match;
  throw new AppSpecError(
    `Invalid file_exists_behavior value ('${renderValue(raw)}') at 'file_exists_behavior': use ${FILE_EXISTS_BEHAVIORS.join(', ')}`,
    'file_exists_behavior',
    renderValue(raw),
  );
}
