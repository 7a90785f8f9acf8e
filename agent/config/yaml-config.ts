// Reads a YAML configuration file and validates it against a schema, with errors that name the file
// and the key ("agent.yaml: key "listen.0" must start with /"). Shared by the agent and the coordinator.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { multiaddr } from '@multiformats/multiaddr';

export async function readYamlConfig<S extends z.ZodType>(file: string, what: string, schema: S, fail: (message: string) => Error): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw fail(`Cannot read ${what} "${file}": ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw fail(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  return validateConfig(value, file, schema, fail);
}

export function validateConfig<S extends z.ZodType>(value: unknown, source: string, schema: S, fail: (message: string) => Error): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw fail(`${source}: key "${key}" ${issue?.message ?? 'is invalid'}`);
  }
  return result.data;
}

/**
 * A bootstrap peer: a multiaddr that names the peer (`/ip4/10.0.0.5/tcp/7400/p2p/12D3Koo...`). Without the peer id
 * libp2p skips the entry silently, and the node could not tell whether it is connected to that peer.
 */
export const BootstrapAddressSchema = z.string().superRefine((text, ctx) => {
  let peer: string | null;
  try {
    peer = multiaddr(text).getPeerId();
  } catch (err) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `is not a multiaddr (${(err as Error).message})` });
    return;
  }
  if (peer === null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must end in /p2p/<peer id>, e.g. /ip4/10.0.0.5/tcp/7400/p2p/12D3KooW...' });
});
