// `convoy sandbox up|down`: a local fleet of agent processes on 127.0.0.1.
import type { Command } from 'commander';
import { sandboxDown, sandboxUp } from '../sandbox/sandbox.ts';
import { CliError, EXIT } from '../cli/errors.ts';
import { parseTagFilters, printJson } from './common.ts';

export function registerSandbox(program: Command): void {
  const sandbox = program.command('sandbox').description('run a local fleet (coordinator + N agents) on 127.0.0.1');
  sandbox
    .command('up')
    .description('start a coordinator daemon and N agent processes under DIR; returns once all agents joined')
    .requiredOption('--dir <dir>', 'where the sandbox keeps its configs, keys, agent root dirs and logs')
    .option('--agents <n>', 'number of agents', '5')
    .option('--tags <tags>', 'extra tags for every agent, Key=Value[,Key=Value]')
    .option('--runtime <runtime>', 'node or deno', 'node')
    .option('--json', 'print the sandbox state as JSON')
    .addHelpText('after', '\nThen use the printed coordinator config: export CONVOY_CONFIG=DIR/coordinator.yaml')
    .action(async (opts: { dir: string; agents: string; tags?: string; runtime: string; json?: boolean }) => {
      const agents = Number(opts.agents);
      if (!Number.isInteger(agents) || agents < 1 || agents > 100) throw new CliError(`--agents "${opts.agents}" must be an integer from 1 to 100`, EXIT.usage);
      if (opts.runtime !== 'node' && opts.runtime !== 'deno') throw new CliError(`--runtime "${opts.runtime}" must be node or deno`, EXIT.usage);
      const tags = Object.fromEntries(parseTagFilters(opts.tags).map((t) => [t.key, t.value]));
      const state = await sandboxUp({ dir: opts.dir, agents, tags, runtime: opts.runtime });
      if (opts.json) return printJson(state);
      process.stdout.write(`Sandbox up: coordinator ${state.apiUrl}, ${state.agents.length} agents\nexport CONVOY_CONFIG=${state.configFile}\n`);
    });
  sandbox
    .command('down')
    .description('stop every process of the sandbox in DIR (agents, coordinator, and daemons their hooks started)')
    .requiredOption('--dir <dir>', 'the sandbox directory')
    .action(async (opts: { dir: string }) => {
      const { stopped } = await sandboxDown(opts.dir);
      process.stdout.write(`Sandbox down: ${stopped} processes stopped\n`);
    });
}
