import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { checkLinkTarget } from './names.ts';
import type { CreatedLink } from './writer.ts';

/**
 * CodeDeploy's rule (agent unpack_bundle): when the root holds exactly one entry, that entry is a
 * directory, and the directory contains a name matching /appspec/i, its contents become the root.
 * GitHub tarballs/zipballs rely on this. Returns the stripped folder's name, if any.
 */
export async function stripTopLevel(root: string, links: readonly CreatedLink[]): Promise<string | undefined> {
  const names = await fsp.readdir(root);
  const top = names[0];
  if (names.length !== 1 || top === undefined) return undefined;
  const topAbs = path.join(root, top);
  if (!(await fsp.lstat(topAbs)).isDirectory()) return undefined;
  const inner = await fsp.readdir(topAbs);
  if (!inner.some((n) => /appspec/i.test(n))) return undefined;

  // A link that climbed into the folder ("../top/x") would escape once the folder is gone.
  for (const link of links) {
    if (link.parts[0] === top) checkLinkTarget(link.entry, link.parts.slice(1), link.target);
  }
  // Move the folder aside first so a child with the folder's own name ("app/app") cannot collide.
  const aside = path.join(root, `.convoy-strip-${randomUUID()}`);
  await fsp.rename(topAbs, aside);
  for (const name of inner) await fsp.rename(path.join(aside, name), path.join(root, name));
  await fsp.rmdir(aside);
  return top;
}
