// `convoy keygen`: create the coordinator's intent-signing key.
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { generateCoordinatorKey } from '../config/keys.ts';
import { CliError, EXIT } from '../cli/errors.ts';
import { printJson } from './common.ts';

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('create an Ed25519 coordinator key and print the public key agents must trust')
    .option('--out <file>', 'where to write the private key (PEM, mode 0600)', 'coordinator-key.pem')
    .option('--force', 'overwrite an existing key file')
    .option('--json', 'print { keyFile, publicKey } as JSON')
    .addHelpText('after', '\nPut the printed public key under trustedCoordinators in every agent config.')
    .action(async (opts: { out: string; force?: boolean; json?: boolean }) => {
      if (!opts.force && (await access(opts.out).then(() => true, () => false))) {
        throw new CliError(`Key file "${opts.out}" already exists (use --force to replace it)`, EXIT.usage);
      }
      const signer = await generateCoordinatorKey(opts.out);
      if (opts.json) printJson({ keyFile: opts.out, publicKey: signer.id });
      else process.stdout.write(`Wrote ${opts.out}\nPublic key (add to agents' trustedCoordinators):\n${signer.id}\n`);
    });
}
