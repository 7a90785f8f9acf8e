// `convoy deployment-config create|list|get`: named custom configs kept on the coordinator.
import type { Command } from 'commander';
import { ApiClient } from '../cli/client.ts';
import { CliError, EXIT } from '../cli/errors.ts';
import { table } from '../cli/render.ts';
import type { ConfigView } from '../daemon/config-api.ts';
import { coordinatorConfig, printJson, type GlobalOptions } from './common.ts';

export function registerDeploymentConfig(program: Command): void {
  const cmd = program.command('deployment-config').description('predefined and custom deployment configurations (minimum healthy hosts)');
  cmd
    .command('create <name>')
    .description('create a custom config: --minimum-healthy-hosts HOST_COUNT=n or FLEET_PERCENT=p')
    .requiredOption('--minimum-healthy-hosts <spec>', 'HOST_COUNT=n (n ≥ 0) or FLEET_PERCENT=p (0-99, converted once per deployment, rounding up)')
    .option('--json', 'print the config as JSON')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .addHelpText('after', '\nN targets and minimum healthy m allow at most N - m hosts deploying or failed at any instant.\nExample: convoy deployment-config create TwoAtATime --minimum-healthy-hosts HOST_COUNT=5   # with 7 hosts')
    .action(async (name: string, opts: GlobalOptions & { minimumHealthyHosts: string; json?: boolean }) => {
      const match = /^(HOST_COUNT|FLEET_PERCENT)=(\d+)$/.exec(opts.minimumHealthyHosts);
      if (!match) throw new CliError(`--minimum-healthy-hosts "${opts.minimumHealthyHosts}" must look like HOST_COUNT=n or FLEET_PERCENT=p`, EXIT.usage);
      const created = await ApiClient.forConfig(await coordinatorConfig(opts)).post<ConfigView>('/v1/deployment-configs', { name, type: match[1], value: Number(match[2]) });
      if (opts.json) printJson(created);
      else process.stdout.write(`Created ${created.name} (${created.minimumHealthyHosts.type} ${created.minimumHealthyHosts.value})\n`);
    });
  cmd
    .command('list')
    .description('list predefined and custom configs')
    .option('--json', 'print as JSON')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .action(async (opts: GlobalOptions & { json?: boolean }) => {
      const { configs } = await ApiClient.forConfig(await coordinatorConfig(opts)).get<{ configs: ConfigView[] }>('/v1/deployment-configs');
      if (opts.json) return printJson(configs);
      process.stdout.write(table(['NAME', 'KIND', 'MINIMUM HEALTHY'], configs.map((c) => [c.name, c.predefined ? 'predefined' : 'custom', `${c.minimumHealthyHosts.type} ${c.minimumHealthyHosts.value}`])) + '\n');
    });
  cmd
    .command('get <name>')
    .description('show one config')
    .option('--json', 'print as JSON')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .action(async (name: string, opts: GlobalOptions & { json?: boolean }) => {
      const c = await ApiClient.forConfig(await coordinatorConfig(opts)).get<ConfigView>(`/v1/deployment-configs/${encodeURIComponent(name)}`);
      if (opts.json) return printJson(c);
      process.stdout.write(`${c.name}  ${c.predefined ? 'predefined' : 'custom'}  minimum healthy ${c.minimumHealthyHosts.type} ${c.minimumHealthyHosts.value}\n`);
    });
}
