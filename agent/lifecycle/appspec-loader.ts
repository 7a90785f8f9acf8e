// Finds and parses the appspec inside an unpacked revision (decision 9: appspec.yml, then appspec.yaml,
// unless the deployment names its own file).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAppSpec } from '../../protocol/appspec/index.ts';
import type { AppSpec } from '../../protocol/appspec/types.ts';

export async function loadAppSpec(archiveDir: string, customName?: string): Promise<AppSpec> {
  const names = customName ? [customName, 'appspec.yml', 'appspec.yaml'] : ['appspec.yml', 'appspec.yaml'];
  for (const name of names) {
    let text: string;
    try {
      text = await readFile(path.join(archiveDir, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new Error(`Cannot read ${name}: ${(err as Error).message}`);
    }
    return parseAppSpec(text);
  }
  throw new Error(`No AppSpec file (${names.join(' or ')}) at the root of the unpacked revision ${archiveDir}`);
}
