// `convoy`: one CLI for both roles. Coordinator commands talk to the daemon named by --config/CONVOY_CONFIG;
// `convoy agent` runs a host agent.
import '../../protocol/polyfills.ts';
import { Command, CommanderError } from 'commander';
import { registerAgent } from '../commands/agent.ts';
import { registerAppspec } from '../commands/appspec.ts';
import { registerDeploy } from '../commands/deploy.ts';
import { registerDeploymentConfig } from '../commands/deployment-config.ts';
import { registerFleet } from '../commands/fleet.ts';
import { registerKeygen } from '../commands/keygen.ts';
import { registerPush } from '../commands/push.ts';
import { registerSandbox } from '../commands/sandbox.ts';
import { registerServe } from '../commands/serve.ts';
import { CliError, EXIT } from './errors.ts';

export function buildProgram(): Command {
  const program = new Command('convoy')
    .description('Fleet deployments without a cloud control plane: signed intents, a libp2p agent mesh, CodeDeploy revisions')
    .version('0.1.0')
    .showHelpAfterError()
    .addHelpText('after', `
Getting started (local sandbox):
  convoy sandbox up --agents 5 --dir /tmp/fleet
  export CONVOY_CONFIG=/tmp/fleet/coordinator.yaml
  convoy push ./my-app                  # prints the revision id
  convoy deploy create --application my-app --group prod --revision <id> --wait
  convoy fleet health
  convoy sandbox down --dir /tmp/fleet

Exit codes: 0 success, 1 deployment failed or input invalid, 2 usage error,
            3 coordinator unreachable, 4 timed out waiting.`);
  program.exitOverride();
  registerKeygen(program);
  registerServe(program);
  registerAgent(program);
  registerPush(program);
  registerAppspec(program);
  registerDeploy(program);
  registerDeploymentConfig(program);
  registerFleet(program);
  registerSandbox(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const code = err instanceof CliError ? err.exitCode : EXIT.failed;
    process.stderr.write(`convoy: ${(err as Error).message}\n`);
    return code;
  }
}
