// `convoy fleet health`.
import type { Command } from 'commander';
import { ApiClient } from '../cli/client.ts';
import { renderFleet } from '../cli/render.ts';
import type { HostHealth } from '../status/fleet-view.ts';
import { coordinatorConfig, printJson, type GlobalOptions } from './common.ts';

export function registerFleet(program: Command): void {
  const fleet = program.command('fleet').description('ask about the fleet');
  fleet
    .command('health')
    .description('every host seen: tags, revision, last deployment status, and whether its heartbeat is fresh')
    .option('--json', 'print as JSON')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .action(async (opts: GlobalOptions & { json?: boolean }) => {
      const { hosts } = await ApiClient.forConfig(await coordinatorConfig(opts)).get<{ hosts: HostHealth[] }>('/v1/fleet');
      if (opts.json) printJson(hosts);
      else process.stdout.write(renderFleet(hosts) + '\n');
    });
}
