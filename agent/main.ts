// `convoy agent --config FILE`: run one host agent until SIGINT/SIGTERM.
import '../protocol/polyfills.ts';
import { pino } from 'pino';
import { loadAgentConfig } from './config/config.ts';
import { startAgent } from './agent.ts';

export async function runAgentMain(configFile: string): Promise<void> {
  const config = await loadAgentConfig(configFile);
  const logger = pino({ level: config.logLevel, base: { role: 'agent' } });
  // A promise rejected where nobody awaits it (seen in libp2p's stream wrapper when a peer resets a stream
  // mid-write under load) must not take the agent down with every deployment it runs: log it as a bug.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection (a bug); the agent keeps running'));
  const agent = await startAgent(config, logger);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'agent stopping');
    const timer = setTimeout(() => process.exit(1), 10_000);
    agent.stop().then(
      () => {
        clearTimeout(timer);
        // Deno keeps a BroadcastChannel (mortice) open after libp2p stops; exit explicitly.
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'agent stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
