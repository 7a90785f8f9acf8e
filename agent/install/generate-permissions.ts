// Turns `permissions` into chmod/setfacl/semanage/chown instructions (reference §3.7, I06, E12-E14).
import { formatAce } from '../../protocol/appspec/acl.ts';
import { matchesPermission } from '../../protocol/appspec/glob.ts';
import { formatRange } from '../../protocol/appspec/selinux.ts';
import type { Permission } from '../../protocol/appspec/types.ts';
import { InstallError } from './errors.ts';
import type { FilePlan } from './generate-files.ts';
import type { PermissionInstruction } from './instructions.ts';
import { destinationPath } from './paths.ts';

export interface PermissionPlanInput {
  readonly permissions: readonly Permission[];
  readonly plan: FilePlan;
  readonly destinationRoot?: string;
  readonly isDirectoryOnDisk: (p: string) => Promise<boolean>;
}

export async function planPermissions(input: PermissionPlanInput): Promise<PermissionInstruction[]> {
  const out: PermissionInstruction[] = [];
  const seen = new Set<string>();
  const apply = (perm: Permission, target: string): void => {
    if (seen.has(target)) {
      throw new InstallError(
        'DUPLICATE_PERMISSION',
        `The deployment failed because the permissions setting for (${target}) is specified more than once in the application specification file`,
        target,
      );
    }
    seen.add(target);
    out.push(...commandsFor(perm, target));
  };
  for (const perm of input.permissions) {
    const object = destinationPath(perm.object, input.destinationRoot);
    if (input.plan.copies.has(object)) {
      if (!perm.type.includes('file')) continue;
      validateFileObject(perm, object);
      apply(perm, object);
    } else if (input.plan.mkdirs.has(object) || (await input.isDirectoryOnDisk(object))) {
      for (const target of matchingTargets(perm, object, input.plan)) apply(perm, target);
    }
    // Otherwise the object is neither installed nor a directory: ignored, as the agent does.
  }
  return out;
}

/** This deployment's copy/mkdir targets below `object` that the entry selects, in instruction order. */
function matchingTargets(perm: Permission, object: string, plan: FilePlan): string[] {
  const scope = { object, pattern: perm.pattern, except: perm.except };
  const targets: string[] = [];
  for (const ins of plan.instructions) {
    if (ins.type === 'copy' && perm.type.includes('file') && matchesPermission(scope, ins.destination)) {
      rejectDefaultAcl(perm, ins.destination);
      targets.push(ins.destination);
    } else if (ins.type === 'mkdir' && perm.type.includes('directory') && matchesPermission(scope, ins.directory)) {
      targets.push(ins.directory);
    }
  }
  return targets;
}

function validateFileObject(perm: Permission, object: string): void {
  if (perm.pattern !== '**') {
    throw new InstallError(
      'INVALID_PERMISSION',
      `The permission for the file ${object} was specified with an invalid pattern (${perm.pattern}); a file object takes no pattern`,
      object,
    );
  }
  if (perm.except.length > 0) {
    throw new InstallError(
      'INVALID_PERMISSION',
      `The permission for the file ${object} specifies an except parameter for a pattern (${JSON.stringify(perm.except)}); a file object takes no except`,
      object,
    );
  }
  rejectDefaultAcl(perm, object);
}

function rejectDefaultAcl(perm: Permission, file: string): void {
  if (perm.acls?.some((a) => a.isDefault) === true) {
    throw new InstallError(
      'INVALID_PERMISSION',
      `The -d parameter has been specified to apply an acl setting to a file (${file}); default ACLs apply to directories only`,
      file,
    );
  }
}

/** Per object: chmod, setfacl, semanage, chown, each only when the entry sets it. */
function commandsFor(perm: Permission, file: string): PermissionInstruction[] {
  const out: PermissionInstruction[] = [];
  if (perm.mode !== undefined) out.push({ type: 'chmod', mode: perm.mode, file });
  if (perm.acls !== undefined && perm.acls.length > 0) out.push({ type: 'setfacl', acl: perm.acls.map(formatAce), file });
  if (perm.context !== undefined) {
    const { user, type, range } = perm.context;
    out.push({
      type: 'semanage',
      context: { user: user ?? null, role: null, type, range: range === undefined ? null : formatRange(range) },
      file,
    });
  }
  if (perm.owner !== undefined || perm.group !== undefined) {
    out.push({ type: 'chown', owner: perm.owner ?? null, group: perm.group ?? null, file });
  }
  return out;
}
