// Plain JSON view of a parsed AppSpec, for `convoy appspec validate --json`. Keys follow the appspec's
// own spelling, so the output is itself a valid appspec that parses back to the same AppSpec.
import type { AppSpec, HookScript, Permission } from './types.ts';
import { formatAce } from './acl.ts';
import { formatRange } from './selinux.ts';

export interface NormalisedHookScriptJson {
  location: string;
  timeout: number;
  runas?: string;
  sudo: boolean;
}

export interface NormalisedPermissionJson {
  object: string;
  pattern: string;
  except: string[];
  type: string[];
  owner?: string;
  group?: string;
  /** Octal digits as a string, e.g. "644". */
  mode?: string;
  /** Canonical entries, e.g. "default:user:bob:rwx". */
  acls?: string[];
  context?: { user?: string; type: string; range?: string };
}

export interface NormalisedAppSpecJson {
  version: 0;
  os: 'linux';
  hooks: Record<string, NormalisedHookScriptJson[]>;
  files: { source: string; destination: string }[];
  permissions: NormalisedPermissionJson[];
  file_exists_behavior?: string;
}

export function toNormalisedJson(appspec: AppSpec): NormalisedAppSpecJson {
  const hooks = Object.fromEntries(
    Object.entries(appspec.hooks).map(([event, scripts]) => [event, scripts.map(scriptJson)]),
  );
  return {
    version: 0,
    os: 'linux',
    hooks,
    files: appspec.files.map(({ source, destination }) => ({ source, destination })),
    permissions: appspec.permissions.map(permissionJson),
    ...(appspec.fileExistsBehavior === undefined ? {} : { file_exists_behavior: appspec.fileExistsBehavior }),
  };
}

function scriptJson(script: HookScript): NormalisedHookScriptJson {
  return {
    location: script.location,
    timeout: script.timeoutSeconds,
    ...(script.runas === undefined ? {} : { runas: script.runas }),
    sudo: script.sudo,
  };
}

function permissionJson(permission: Permission): NormalisedPermissionJson {
  const { context } = permission;
  return {
    object: permission.object,
    pattern: permission.pattern,
    except: [...permission.except],
    type: [...permission.type],
    ...(permission.owner === undefined ? {} : { owner: permission.owner }),
    ...(permission.group === undefined ? {} : { group: permission.group }),
    ...(permission.mode === undefined ? {} : { mode: permission.mode }),
    ...(permission.acls === undefined ? {} : { acls: permission.acls.map(formatAce) }),
    ...(context === undefined
      ? {}
      : {
          context: {
            ...(context.user === undefined ? {} : { user: context.user }),
            type: context.type,
            ...(context.range === undefined ? {} : { range: formatRange(context.range) }),
          },
        }),
  };
}
