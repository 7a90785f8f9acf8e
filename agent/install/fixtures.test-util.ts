// Test fixtures: temp trees and hand-built AppSpec objects (the parser is tested on its own).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AppSpec, FileMapping, Permission } from '../../protocol/appspec/types.ts';

export interface Sandbox {
  readonly dir: string;
  readonly archive: string;
  readonly instructions: string;
  /** destinationRoot: appspec `/d/...` lands at `<dest>/d/...`. */
  readonly dest: string;
  at(p: string): string;
  remove(): Promise<void>;
}

export async function sandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(path.join(tmpdir(), 'convoy-install-'));
  const archive = path.join(dir, 'archive');
  const dest = path.join(dir, 'dest');
  await mkdir(archive);
  return {
    dir,
    archive,
    instructions: path.join(dir, 'instructions'),
    dest,
    at: (p) => path.join(dest, p),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Writes `{ 'a/b.txt': 'text' }` under root, creating parents. */
export async function tree(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    await mkdir(path.dirname(p), { recursive: true });
    await writeFile(p, content);
  }
}

export function appspec(files: FileMapping[], extra: Partial<AppSpec> = {}): AppSpec {
  return { version: 0, os: 'linux', hooks: {}, files, permissions: [], ...extra };
}

export function permission(object: string, extra: Partial<Permission> = {}): Permission {
  return { object, pattern: '**', except: [], type: ['file', 'directory'], ...extra };
}

export async function cleanupLines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
}
