// The Install lifecycle event (reference §3.1): clean up the previous install, plan, record, execute.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AppSpec, FileExistsBehavior } from '../../protocol/appspec/types.ts';
import { writeFileAtomic } from './atomic.ts';
import { CleanupWriter, replayCleanup } from './cleanup.ts';
import { ioError } from './errors.ts';
import { executeInstructions, resolveTools } from './execute.ts';
import { isDirectoryOnDisk, planFiles } from './generate-files.ts';
import { planPermissions } from './generate-permissions.ts';
import type { Instruction } from './instructions.ts';
import { silentLogger, type InstallLogger } from './logger.ts';
import { instructionFile } from './pointers.ts';

export interface InstallOptions {
  /** The unpacked revision root (`deployment-archive`). */
  readonly archiveDir: string;
  /** `<root>/deployment-instructions`; created when missing. */
  readonly instructionsDir: string;
  readonly groupId: string;
  readonly appspec: AppSpec;
  /** Deployment-level override; the appspec's own value wins. Upper-cased, as the agent does. */
  readonly deploymentFileExistsBehavior?: FileExistsBehavior | string;
  /** Sandbox rebasing: every appspec destination/object is re-rooted under this directory. */
  readonly destinationRoot?: string;
  readonly logger?: InstallLogger;
}

export interface InstallResult {
  readonly copied: number;
  readonly directories: number;
  readonly cleanupFile: string;
}

export async function install(opts: InstallOptions): Promise<InstallResult> {
  const logger = opts.logger ?? silentLogger;
  const cleanupFile = instructionFile(opts.instructionsDir, opts.groupId, '-cleanup');
  const installJson = instructionFile(opts.instructionsDir, opts.groupId, '-install.json');
  await mkdir(opts.instructionsDir, { recursive: true }).catch((err: unknown) => {
    throw ioError('creating instructions directory', opts.instructionsDir, err);
  });
  const removed = await replayCleanup(cleanupFile, logger);
  logger.info({ groupId: opts.groupId, entries: removed }, 'previous install cleaned up');

  if (opts.destinationRoot !== undefined) {
    const root = path.resolve(opts.destinationRoot);
    await mkdir(root, { recursive: true }).catch((err: unknown) => Promise.reject(ioError('creating destination root', root, err)));
  }
  const instructions = await generateInstructions(opts, logger);
  await writeFileAtomic(installJson, JSON.stringify({ instructions }));
  const tools = await resolveTools(instructions);

  const writer = await CleanupWriter.create(cleanupFile);
  try {
    await executeInstructions(instructions, writer, tools);
  } finally {
    await writer.close();
  }
  const copied = instructions.filter((i) => i.type === 'copy').length;
  const directories = instructions.filter((i) => i.type === 'mkdir').length;
  logger.info({ groupId: opts.groupId, copied, directories }, 'install complete');
  return { copied, directories, cleanupFile };
}

/** Files first, then permissions, so permission commands always follow every copy and mkdir. */
export async function generateInstructions(opts: InstallOptions, logger: InstallLogger = silentLogger): Promise<Instruction[]> {
  const behavior = opts.appspec.fileExistsBehavior ?? (opts.deploymentFileExistsBehavior || 'DISALLOW').toUpperCase();
  const plan = await planFiles({
    archiveDir: opts.archiveDir,
    files: opts.appspec.files,
    behavior,
    destinationRoot: opts.destinationRoot,
    logger,
  });
  const permissions = await planPermissions({
    permissions: opts.appspec.permissions,
    plan,
    destinationRoot: opts.destinationRoot,
    isDirectoryOnDisk,
  });
  return [...plan.instructions, ...permissions];
}
