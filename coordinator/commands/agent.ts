// `convoy agent`: run a host agent.
import type { Command } from 'commander';

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('run a host agent that joins the fleet and carries out signed deployments')
    .requiredOption('--config <file>', 'agent config (YAML): rootDir, listen, bootstrap, tags, trustedCoordinators')
    .addHelpText('after', `
Example agent config:
  rootDir: /var/lib/convoy
  listen: [/ip4/0.0.0.0/tcp/7400]
  bootstrap: [/ip4/10.0.0.5/tcp/7401/p2p/12D3KooW...]
  tags: { Name: web-1, env: prod }
  trustedCoordinators: [ed25519:...]   # from: convoy keygen`)
    .action(async (opts: { config: string }) => {
      const { runAgentMain } = await import('../../agent/main.ts'); // only this command needs the agent
      await runAgentMain(opts.config);
      await new Promise(() => undefined);
    });
}
