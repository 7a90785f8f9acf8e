// `<groupId>_last_successful_install` and `<groupId>_most_recent_install` (§2.2, §4.1, decision 7):
// each holds a deployment root path with no trailing newline.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeFileAtomicUnsynced } from './atomic.ts';
import { errorText, InstallError } from './errors.ts';
import { isMissing } from './generate-files.ts';

/** Group ids name files in the instructions dir, so they must be one plain path component. */
export function assertGroupId(groupId: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(groupId)) {
    throw new InstallError('INVALID_GROUP_ID', `invalid deployment group id (${groupId}): use letters, digits, '.', '_' and '-'`, groupId);
  }
}

export function instructionFile(instructionsDir: string, groupId: string, suffix: string): string {
  assertGroupId(groupId);
  return path.join(instructionsDir, groupId + suffix);
}

async function writePointer(instructionsDir: string, groupId: string, suffix: string, deploymentRoot: string, durable = true): Promise<void> {
  if (deploymentRoot.includes('\n') || deploymentRoot === '') {
    throw new InstallError('INVALID_PATH', `invalid deployment root (${JSON.stringify(deploymentRoot)})`, deploymentRoot);
  }
  const file = instructionFile(instructionsDir, groupId, suffix);
  if (durable) await writeFileAtomic(file, deploymentRoot);
  else writeFileAtomicUnsynced(file, deploymentRoot);
}

async function readPointer(instructionsDir: string, groupId: string, suffix: string): Promise<string | undefined> {
  const file = instructionFile(instructionsDir, groupId, suffix);
  try {
    const text = readFileSync(file, 'utf8').replace(/\r?\n$/, ''); // a path: read on the hand-over path (steps.ts)
    return text === '' ? undefined : text;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw new InstallError('IO_ERROR', `cannot read ${file}: ${errorText(err)}`, file, { cause: err });
  }
}

/** Written when Install succeeds, so the next ApplicationStop runs the scripts of the files on disk. */
export function writeLastSuccessfulInstall(instructionsDir: string, groupId: string, deploymentRoot: string): Promise<void> {
  return writePointer(instructionsDir, groupId, '_last_successful_install', deploymentRoot);
}

/** The deployment root of the last successful install for the group, or undefined for a first deployment. */
export function readLastSuccessfulInstall(instructionsDir: string, groupId: string): Promise<string | undefined> {
  return readPointer(instructionsDir, groupId, '_last_successful_install');
}

/**
 * Written at the end of DownloadBundle, as the CodeDeploy agent does. Convoy never reads it back (it
 * matters only to CodeDeploy's blue/green rollback), so it is replaced atomically but not flushed: it
 * sits on the hand-over path.
 */
export function writeMostRecentInstall(instructionsDir: string, groupId: string, deploymentRoot: string): Promise<void> {
  return writePointer(instructionsDir, groupId, '_most_recent_install', deploymentRoot, false);
}

export function readMostRecentInstall(instructionsDir: string, groupId: string): Promise<string | undefined> {
  return readPointer(instructionsDir, groupId, '_most_recent_install');
}
