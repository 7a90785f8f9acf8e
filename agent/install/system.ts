// External tools (setfacl, semanage, restorecon, getent) and user/group lookup.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InstallError } from './errors.ts';

/** Absolute path of an executable found on PATH, or undefined. */
export async function findOnPath(tool: string, envPath = process.env['PATH'] ?? ''): Promise<string | undefined> {
  for (const dir of envPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, tool);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface ToolResult {
  readonly code: number;
  /** stdout and stderr, capped (tools here print little; the cap only guards against a runaway). */
  readonly output: string;
}

/** Runs a tool with no shell; a non-zero exit is a result, a failure to start is an InstallError. */
export function runTool(file: string, args: readonly string[]): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 256 * 1024, timeout: 300_000 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (err === null) return resolve({ code: 0, output });
      if (typeof err.code === 'number') return resolve({ code: err.code, output: output || err.message });
      reject(new InstallError('TOOL_MISSING', `could not run ${file}: ${err.message}`, file, { cause: err }));
    });
  });
}

/** Fails with TOOL_MISSING naming what needed the tool. */
export async function requireTool(tool: string, purpose: string): Promise<string> {
  const found = await findOnPath(tool);
  if (found === undefined) {
    throw new InstallError('TOOL_MISSING', `${tool} is not installed on this host (not on PATH); it is needed to ${purpose}`, tool);
  }
  return found;
}

export async function resolveUid(name: string): Promise<number> {
  const id = await lookupId('passwd', name);
  if (id === undefined) throw new InstallError('UNKNOWN_USER', `unknown user (${name}) in permissions owner`, name);
  return id;
}

export async function resolveGid(name: string): Promise<number> {
  const id = await lookupId('group', name);
  if (id === undefined) throw new InstallError('UNKNOWN_GROUP', `unknown group (${name}) in permissions group`, name);
  return id;
}

/** getent consults NSS (LDAP, sssd); without it, the local database file is parsed. */
async function lookupId(db: 'passwd' | 'group', name: string): Promise<number | undefined> {
  if (name === '' || name.includes(':') || name.includes('\n')) return undefined;
  const getent = await findOnPath('getent');
  let text: string;
  if (getent !== undefined) {
    const r = await runTool(getent, [db, name]);
    if (r.code !== 0) return undefined;
    text = r.output;
  } else {
    text = await readFile(`/etc/${db}`, 'utf8');
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] !== name && getent === undefined) continue;
    const id = Number(fields[2]);
    if (Number.isInteger(id) && id >= 0) return id;
  }
  return undefined;
}
