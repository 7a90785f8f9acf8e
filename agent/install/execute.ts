// Runs the instruction list in order, recording every copy/mkdir target before acting on it, so a
// failure part-way leaves a cleanup file covering everything up to and including the failing target.
import { chmod, lchown, lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { copyEntry } from './copy.ts';
import type { CleanupWriter } from './cleanup.ts';
import { errorText, InstallError, ioError } from './errors.ts';
import type { ChownInstruction, Instruction, SemanageInstruction, SetfaclInstruction } from './instructions.ts';
import { requireTool, resolveGid, resolveUid, runTool } from './system.ts';

export type ToolPaths = ReadonlyMap<string, string>;

/** Checks up front that every external tool the list needs exists, before anything is touched. */
export async function resolveTools(instructions: readonly Instruction[]): Promise<ToolPaths> {
  const tools = new Map<string, string>();
  const need = async (tool: string, purpose: string): Promise<void> => {
    if (!tools.has(tool)) tools.set(tool, await requireTool(tool, purpose));
  };
  for (const ins of instructions) {
    if (ins.type === 'setfacl') await need('setfacl', `apply acls to ${ins.file}`);
    if (ins.type === 'semanage') {
      await need('semanage', `apply the SELinux context to ${ins.file}`);
      await need('restorecon', `apply the SELinux context to ${ins.file}`);
    }
  }
  return tools;
}

export async function executeInstructions(
  instructions: readonly Instruction[],
  cleanup: CleanupWriter,
  tools: ToolPaths,
): Promise<void> {
  for (const ins of instructions) {
    switch (ins.type) {
      case 'copy':
        await cleanup.record(ins.destination);
        await copyEntry(ins.source, ins.destination);
        break;
      case 'mkdir':
        await cleanup.record(ins.directory);
        await makeDirectory(ins.directory);
        break;
      case 'chmod':
        if (!(await isSymlink(ins.file))) await applyMode(ins.file, ins.mode);
        break;
      case 'setfacl':
        if (!(await isSymlink(ins.file))) await applyAcl(ins, tools);
        break;
      case 'semanage':
        await cleanup.recordContext(ins.file);
        await applyContext(ins, tools);
        break;
      case 'chown':
        await applyOwner(ins);
        break;
    }
  }
}

async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    const exists = (err as NodeJS.ErrnoException).code === 'EEXIST';
    if (exists && (await stat(dir).catch(() => undefined))?.isDirectory() === true) return;
    throw ioError('mkdir', dir, err);
  }
}

/** Permission changes on a bundle symlink would follow it to a file outside the install: skipped. */
async function isSymlink(file: string): Promise<boolean> {
  return (await lstat(file).catch((err: unknown) => Promise.reject(ioError('lstat', file, err)))).isSymbolicLink();
}

async function applyMode(file: string, mode: string): Promise<void> {
  if (!/^[0-7]{1,4}$/.test(mode)) {
    throw new InstallError('INVALID_PERMISSION', `invalid permissions mode (${mode}) for ${file}`, file);
  }
  await chmod(file, parseInt(mode, 8)).catch((err: unknown) => Promise.reject(ioError('chmod', file, err)));
}

async function applyAcl(ins: SetfaclInstruction, tools: ToolPaths): Promise<void> {
  const mode = (await stat(ins.file)).mode;
  const spec = withBaseEntries(ins.acl, mode).join(',');
  const args = ['--set', spec, ins.file];
  const r = await runTool(tools.get('setfacl') ?? 'setfacl', args);
  if (r.code !== 0) {
    throw new InstallError(
      'ACL_FAILED',
      `There was a problem with the acls permission settings for ${ins.file}. Failed command: setfacl ${args.join(' ')}: ${r.output}`,
      ins.file,
    );
  }
}

/** `setfacl --set` replaces the whole ACL, so the base entries are synthesised from the current mode. */
export function withBaseEntries(acl: readonly string[], mode: number): string[] {
  const bits = (shift: number): string => {
    const v = (mode >> shift) & 7;
    return `${v & 4 ? 'r' : '-'}${v & 2 ? 'w' : '-'}${v & 1 ? 'x' : '-'}`;
  };
  const base = [`user::${bits(6)}`, `group::${bits(3)}`, `other::${bits(0)}`];
  const out = [...base, ...acl];
  if (acl.some((e) => e.startsWith('default:'))) {
    for (const entry of base) {
      const prefix = 'default:' + entry.slice(0, entry.lastIndexOf(':') + 1);
      if (!acl.some((e) => e.startsWith(prefix))) out.push('default:' + entry);
    }
  }
  return out;
}

async function applyContext(ins: SemanageInstruction, tools: ToolPaths): Promise<void> {
  const { user, type, range } = ins.context;
  const real = await realpath(ins.file).catch((err: unknown) => Promise.reject(ioError('realpath', ins.file, err)));
  const commands: [string, string[]][] = [
    ['semanage', ['fcontext', '-a', ...(user === null ? [] : ['-s', user]), '-t', type, ...(range === null ? [] : ['-r', range]), real]],
    ['restorecon', ['-v', real]],
  ];
  for (const [tool, args] of commands) {
    const r = await runTool(tools.get(tool) ?? tool, args);
    if (r.code !== 0) {
      throw new InstallError(
        'CONTEXT_FAILED',
        `There was an error in the settings for the context parameter of ${ins.file}. Failed command: ${tool} ${args.join(' ')}: ${r.output}`,
        ins.file,
      );
    }
  }
}

async function applyOwner(ins: ChownInstruction): Promise<void> {
  const uid = ins.owner === null ? -1 : await resolveUid(ins.owner);
  const gid = ins.group === null ? -1 : await resolveGid(ins.group);
  // lchown: a bundle symlink gets its own ownership changed, never its target's.
  await lchown(ins.file, uid, gid).catch((err: unknown) => {
    throw new InstallError('IO_ERROR', `chown of ${ins.file} failed: ${errorText(err)}`, ins.file, { cause: err });
  });
}
