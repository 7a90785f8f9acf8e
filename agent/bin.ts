// Stand-alone agent entry for runtimes that run TypeScript directly (Deno 2):
//   deno run -A agent/bin.ts --config agent.yaml
import '../protocol/polyfills.ts';
import { configureHeap } from './runtime/heap.ts';

configureHeap(); // before the agent's modules load
const { runAgentMain } = await import('./main.ts');

const args = process.argv.slice(2);
const i = args.indexOf('--config');
const configFile = i >= 0 ? args[i + 1] : undefined;
if (configFile === undefined) {
  process.stderr.write('usage: agent/bin.ts --config <agent.yaml>\n');
  process.exit(2);
}
runAgentMain(configFile).catch((err: unknown) => {
  process.stderr.write(`convoy agent: ${(err as Error).message}\n`);
  process.exit(1);
});
