// Steps 1-4 of reference §2.4: locate the script, make it executable, build its command line.
import { constants } from 'node:fs';
import { access, chmod, stat } from 'node:fs/promises';
import path from 'node:path';
import type { HookScript } from '../../protocol/appspec/types.ts';
import type { ScriptResult } from './types.ts';

export interface PreparedScript {
  readonly path: string;
  readonly argv: readonly [string, ...string[]];
}

/** A prepared script, or the failure that stops the event before anything is spawned. */
export async function prepareScript(
  script: HookScript,
  revisionDir: string,
  runAsAllowed: boolean,
): Promise<PreparedScript | ScriptResult> {
  const root = path.resolve(revisionDir);
  const abs = path.resolve(root, '.' + path.sep + script.location);
  if (abs !== root && !abs.startsWith(root + path.sep)) {
    return { errorCode: 'ScriptMissing', message: `Script location ${script.location} points outside the revision directory ${root}` };
  }
  let mode: number;
  try {
    mode = (await stat(abs)).mode;
  } catch {
    return { errorCode: 'ScriptMissing', message: `Script does not exist at specified location: ${abs}` };
  }
  if (!(await isExecutable(abs))) {
    try {
      await chmod(abs, mode | 0o111);
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      return { errorCode: 'ScriptNotExecutable', message: `Unable to set script at specified location: ${script.location} as executable: ${text}` };
    }
  }
  if (script.runas !== undefined && !runAsAllowed) {
    return {
      errorCode: 'ScriptFailed',
      message: `Script at specified location: ${script.location} run as user ${script.runas} cannot start: runas needs the agent to run as root`,
    };
  }
  return { path: abs, argv: commandLine(abs, script) };
}

export function isPrepared(p: PreparedScript | ScriptResult): p is PreparedScript {
  return 'argv' in p;
}

/** As the agent: runas+sudo → `sudo su u -c p`; runas → `su u -c p`; sudo → `sudo p`; else `p`. */
export function commandLine(abs: string, script: HookScript): [string, ...string[]] {
  // su hands its -c string to a shell; quoting keeps paths with spaces working (the agent's break).
  const quoted = shellQuote(abs);
  if (script.runas !== undefined) {
    const su: [string, ...string[]] = ['su', script.runas, '-c', quoted];
    return script.sudo ? ['sudo', ...su] : su;
  }
  return script.sudo ? ['sudo', abs] : [abs];
}

/** `text` as one sh word: single-quoted, each ' written as '\''. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

async function isExecutable(p: string): Promise<boolean> {
  try {
    await access(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
