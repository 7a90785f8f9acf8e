// The normalised AppSpec for EC2/on-premises (os: linux) deployments. Parsing lives in parse.ts;
// everything downstream (installer, hook runner, `convoy appspec validate --json`) consumes these types.

export type FileExistsBehavior = 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
export const FILE_EXISTS_BEHAVIORS: readonly FileExistsBehavior[] = ['DISALLOW', 'OVERWRITE', 'RETAIN'];

/** Default per-script timeout, as the CodeDeploy agent (seconds). */
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 3600;

export interface HookScript {
  /** Path relative to the revision root, as written in the appspec (stringified, trimmed). */
  readonly location: string;
  readonly timeoutSeconds: number;
  /** User to run as (`su <user> -c`); undefined when absent or empty. */
  readonly runas?: string;
  readonly sudo: boolean;
}

export interface FileMapping {
  readonly source: string;
  readonly destination: string;
}

export type PermissionObjectType = 'file' | 'directory';

export interface AclEntry {
  readonly isDefault: boolean;
  readonly type: 'user' | 'group' | 'mask' | 'other';
  /** Empty for unnamed entries (mask, other, default base entries). */
  readonly name: string;
  /** Canonical `rwx` with dashes, e.g. `rw-`. */
  readonly perms: string;
}

export interface SeLinuxRange {
  readonly low: number;
  readonly high: number;
  /** Sorted, de-duplicated category numbers (0..1023). */
  readonly categories: readonly number[];
}

export interface SeLinuxContext {
  readonly user?: string;
  readonly type: string;
  readonly range?: SeLinuxRange;
}

export interface Permission {
  readonly object: string;
  /** `**` means every descendant; otherwise a single-component glob where only `*` is special. */
  readonly pattern: string;
  readonly except: readonly string[];
  readonly type: readonly PermissionObjectType[];
  readonly owner?: string;
  readonly group?: string;
  /** Mode as the agent keeps it: an octal string of 3 or 4 digits, e.g. `644`, `0755`, `6763`. */
  readonly mode?: string;
  readonly acls?: readonly AclEntry[];
  readonly context?: SeLinuxContext;
}

export interface AppSpec {
  readonly version: 0;
  readonly os: 'linux';
  /** Event name -> scripts, in appspec order. Events given as null are absent; `[]` is present and empty. */
  readonly hooks: Readonly<Record<string, readonly HookScript[]>>;
  readonly files: readonly FileMapping[];
  readonly permissions: readonly Permission[];
  readonly fileExistsBehavior?: FileExistsBehavior;
}

/** A validation failure that names the offending key and value. Never thrown for anything but bad input. */
export class AppSpecError extends Error {
  override readonly name = 'AppSpecError';
  constructor(
    message: string,
    /** Dotted path of the offending key, e.g. `hooks.BeforeInstall[0].timeout`. */
    readonly key: string,
    /** The offending value rendered as text ('' when missing). */
    readonly value: string,
  ) {
    super(message);
  }
}
