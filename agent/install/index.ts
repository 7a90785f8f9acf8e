export { install, generateInstructions, type InstallOptions, type InstallResult } from './install.ts';
export { InstallError, type InstallErrorCode } from './errors.ts';
export type { Instruction, CopyInstruction, MkdirInstruction, PermissionInstruction } from './instructions.ts';
export { parseCleanup, replayCleanup } from './cleanup.ts';
export {
  writeLastSuccessfulInstall,
  readLastSuccessfulInstall,
  writeMostRecentInstall,
  readMostRecentInstall,
} from './pointers.ts';
export { writeFileAtomic } from './atomic.ts';
export type { InstallLogger } from './logger.ts';
