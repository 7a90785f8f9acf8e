// `convoy serve`: run the coordinator daemon.
import type { Command } from 'commander';
import { pino } from 'pino';
import { coordinatorConfig, type GlobalOptions } from './common.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the coordinator daemon: seeds revisions, publishes intents, records reports, serves the CLI')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .action(async (opts: GlobalOptions) => {
      const config = await coordinatorConfig(opts);
      const logger = pino({ level: config.logLevel, base: { role: 'coordinator' } });
      // As in the agent: a stray rejection inside a network library is logged, not fatal to the daemon.
      process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection (a bug); the daemon keeps running'));
      // The daemon brings libp2p and the AWS SDK clients; other commands (and `convoy agent`) skip loading them.
      const { startCoordinatorDaemon } = await import('../daemon/daemon.ts');
      const daemon = await startCoordinatorDaemon(config, logger);
      const shutdown = (): void => {
        daemon.stop().then(() => process.exit(0), () => process.exit(1));
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
      await new Promise(() => undefined);
    });
}
