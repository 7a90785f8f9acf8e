// Public API of the AppSpec package: parsing, install-time permission matching, JSON view, file names.
export {
  AppSpecError,
  DEFAULT_HOOK_TIMEOUT_SECONDS,
  FILE_EXISTS_BEHAVIORS,
  type AclEntry,
  type AppSpec,
  type FileExistsBehavior,
  type FileMapping,
  type HookScript,
  type Permission,
  type PermissionObjectType,
  type SeLinuxContext,
  type SeLinuxRange,
} from './types.ts';
export { parseAppSpec, type ParseAppSpecOptions } from './parse.ts';
export { appliesToType, matchesPermission, simpleGlobMatches, validateFilePermission } from './glob.ts';
export { findMask, formatAce, hasDefaultEntries, parseAce, type ParseAceOptions } from './acl.ts';
export { formatRange, parseRange } from './selinux.ts';
export { modeBits, modeValue, type ModeBits } from './mode.ts';
export {
  toNormalisedJson,
  type NormalisedAppSpecJson,
  type NormalisedHookScriptJson,
  type NormalisedPermissionJson,
} from './normalise.ts';
export { APPSPEC_FILE_NAMES, appSpecCandidates, appSpecFileNameProblem, chooseAppSpecFile } from './locate.ts';
export { MAX_APPSPEC_CHARS, MAX_INDENT_COLUMNS, MAX_INLINE_NESTING } from './limits.ts';
