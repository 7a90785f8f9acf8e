// `convoy deploy create|get|wait|list|logs`.
import type { Command } from 'commander';
import { ApiClient, isUnreachable } from '../cli/client.ts';
import { CliError, EXIT } from '../cli/errors.ts';
import { renderDeployment, renderUnheard } from '../cli/render.ts';
import { CoordinatorStore, type StoredDeployment } from '../store/store.ts';
import { buildDeploymentView, type DeploymentView } from '../status/deployment-view.ts';
import type { CoordinatorConfig } from '../config/config.ts';
import type { UnheardHost } from '../daemon/create-deployment.ts';
import { coordinatorConfig, parseTagFilters, printJson, type GlobalOptions } from './common.ts';
import { waitForDeployment } from './wait.ts';
import { addPlatformOptions, platformCreateBody, PLATFORM_HELP, type PlatformCliOptions } from '../platforms/cli.ts';

interface CreateOptions extends GlobalOptions, PlatformCliOptions {
  application: string;
  group: string;
  revision: string;
  deploymentConfig?: string;
  targets?: string;
  fileExistsBehavior?: string;
  ignoreApplicationStopFailures?: boolean;
  description?: string;
  autoRollback?: string;
  wait?: boolean;
  json?: boolean;
}

/** POST /v1/deployments for a server deployment; `unheard` is absent from daemons older than this CLI. */
interface CreatedResponse {
  deploymentId: string;
  targets: string[];
  unheard?: UnheardHost[];
}

const ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] as const;

export function registerDeploy(program: Command): void {
  const deploy = program.command('deploy').description('create deployments and follow them');

  addPlatformOptions(deploy
    .command('create')
    .description('sign and publish a deployment intent to the hosts matching the tag filters (or, with --compute-platform Lambda|ECS, shift AWS traffic)')
    .option('--application <name>', 'application name (required for Server)')
    .option('--group <name>', 'deployment group name (required for Server)')
    .option('--revision <id>', 'Server: revision id from `convoy push` (full SHA-256 or a unique prefix)')
    .option('--deployment-config <name>', 'CodeDeployDefault.OneAtATime (default), .HalfAtATime, .AllAtOnce (the short names OneAtATime etc. work too unless a custom config has that name) or a custom config; Lambda/ECS: see below')
    .option('--deployment-config-name <name>', 'same as --deployment-config (the aws CLI spelling)')
    .option('--targets <filters>', 'tag filters Key=Value[,Key=Value]; a host matching any filter is a target')
    .option('--file-exists-behavior <b>', 'DISALLOW | OVERWRITE | RETAIN (the appspec value wins)', 'DISALLOW')
    .option('--ignore-application-stop-failures', 'continue when ApplicationStop/BeforeBlockTraffic/AfterBlockTraffic fail')
    .option('--description <text>', 'free text, up to 256 characters')
    .option('--auto-rollback <events>', 'roll back to the last successful revision on DEPLOYMENT_FAILURE and/or DEPLOYMENT_STOP_ON_REQUEST (comma-separated)')
    .option('--wait', 'follow the deployment until it finishes (exit code as `deploy wait`)')
    .option('--json', 'print { deploymentId, targets, unheard } as JSON')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .addHelpText('after', '\nTargets are resolved once, from live heartbeats, when the deployment is created. A matching host not heard\nfrom within aliveWindowMs is left out: the daemon logs a warning naming it, and this command prints it on\nstderr (and in --json, as "unheard"). For one window after the daemon starts, it first waits for such hosts\nto heartbeat again.\nExample: convoy deploy create --application web --group prod --revision 3f2a9c1e --targets env=prod --wait\n' + PLATFORM_HELP))
    .action(async (opts: CreateOptions & { deploymentConfigName?: string }) => {
      const config = await coordinatorConfig(opts);
      if ((opts.computePlatform ?? 'Server') !== 'Server') {
        const created = await ApiClient.forConfig(config).post<{ deploymentId: string; computePlatform: string }>('/v1/deployments', await platformCreateBody(opts));
        if (opts.json) printJson(created);
        else process.stdout.write(`${created.deploymentId}\n`);
        if (opts.wait) process.exitCode = await waitForDeployment(config, created.deploymentId, { json: false });
        return;
      }
      if (!opts.application || !opts.group || !opts.revision) throw new CliError('Server deployments need --application, --group and --revision', EXIT.usage);
      const behavior = (opts.fileExistsBehavior ?? 'DISALLOW').toUpperCase();
      if (!['DISALLOW', 'OVERWRITE', 'RETAIN'].includes(behavior)) {
        throw new CliError(`--file-exists-behavior "${opts.fileExistsBehavior}" must be DISALLOW, OVERWRITE or RETAIN`, EXIT.usage);
      }
      const autoRollbackEvents = (opts.autoRollback ?? '').split(',').map((e) => e.trim()).filter(Boolean);
      for (const e of autoRollbackEvents) {
        if (!(ROLLBACK_EVENTS as readonly string[]).includes(e)) throw new CliError(`--auto-rollback event "${e}" must be one of ${ROLLBACK_EVENTS.join(', ')}`, EXIT.usage);
      }
      const created = await ApiClient.forConfig(config).post<CreatedResponse>('/v1/deployments', {
        autoRollbackEvents,
        application: opts.application,
        deploymentGroup: opts.group,
        revision: opts.revision,
        config: opts.deploymentConfigName ?? opts.deploymentConfig ?? 'CodeDeployDefault.OneAtATime',
        targets: parseTagFilters(opts.targets),
        fileExistsBehavior: behavior,
        ignoreApplicationStopFailures: opts.ignoreApplicationStopFailures ?? false,
        ...(opts.description !== undefined ? { description: opts.description } : {}),
      });
      // stdout stays the deployment id alone (scripts capture it); the warning goes to stderr.
      process.stderr.write(renderUnheard(created.unheard ?? [], Date.now()));
      if (opts.json) printJson(created);
      else process.stdout.write(`${created.deploymentId}\n`);
      if (opts.wait) process.exitCode = await waitForDeployment(config, created.deploymentId, { json: false });
    });

  deploy
    .command('get <deploymentId>')
    .description('show a deployment: status, and per host the status of each lifecycle event')
    .option('--json', 'print the full deployment view as JSON')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .action(async (id: string, opts: GlobalOptions & { json?: boolean }) => {
      const view = await getDeployment(await coordinatorConfig(opts), id);
      if (opts.json) printJson(view);
      else process.stdout.write(renderDeployment(view) + '\n');
      process.exitCode = view.status === 'Failed' || view.status === 'Stopped' ? EXIT.failed : EXIT.ok;
    });

  deploy
    .command('wait <deploymentId>')
    .description('follow a deployment with live progress until it finishes; exit 0 only if it succeeded')
    .option('--timeout <seconds>', 'give up after this long (exit code 4)')
    .option('--json', 'print the final deployment view as JSON instead of live progress')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .action(async (id: string, opts: GlobalOptions & { json?: boolean; timeout?: string }) => {
      const timeoutMs = opts.timeout === undefined ? undefined : Number(opts.timeout) * 1000;
      if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new CliError(`--timeout "${opts.timeout}" must be a positive number of seconds`, EXIT.usage);
      process.exitCode = await waitForDeployment(await coordinatorConfig(opts), id, { json: opts.json ?? false, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    });

  deploy
    .command('stop <deploymentId>')
    .description('publish a signed stop: hosts not yet started never start; the deployment ends Stopped')
    .option('--rollback', 'then roll back: a new deployment of the group\'s last successful revision (Lambda/ECS: restore the old traffic in place)')
    .option('--no-rollback', 'Lambda/ECS: do not roll back (default for Lambda/ECS: the deployment\'s auto-rollback on stop, on unless disabled)')
    .option('--wait', 'follow the deployment until it has stopped')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .action(async (id: string, opts: GlobalOptions & { rollback?: boolean; wait?: boolean }) => {
      const config = await coordinatorConfig(opts);
      await ApiClient.forConfig(config).post(`/v1/deployments/${encodeURIComponent(id)}/stop`, { rollback: opts.rollback });
      process.stdout.write(`Stop of ${id} published${opts.rollback ? ' (a rollback follows)' : ''}\n`);
      if (opts.wait) {
        const code = await waitForDeployment(config, id, { json: false });
        process.exitCode = code === EXIT.failed ? EXIT.ok : code;
      }
    });

  deploy
    .command('declare-dead <deploymentId>')
    .description('free the rollout slot of a host that is gone for good (its part of the deployment counts as failed)')
    .requiredOption('--host <peer>', 'peer id or instance name of the dead host')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .addHelpText('after', '\nOnly for hosts that will not come back: a live host declared dead aborts its deployment.')
    .action(async (id: string, opts: GlobalOptions & { host: string }) => {
      await ApiClient.forConfig(await coordinatorConfig(opts)).post(`/v1/deployments/${encodeURIComponent(id)}/declare-dead`, { host: opts.host });
      process.stdout.write(`${opts.host} declared dead for ${id}\n`);
    });

  deploy
    .command('list')
    .description('list recent deployments')
    .option('--json', 'print as JSON')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .action(async (opts: GlobalOptions & { json?: boolean }) => {
      const { deployments } = await ApiClient.forConfig(await coordinatorConfig(opts)).get<{ deployments: DeploymentView[] }>('/v1/deployments');
      if (opts.json) return printJson(deployments);
      for (const d of deployments) {
        process.stdout.write(`${d.deploymentId}  ${d.status.padEnd(10)}  ${d.application}/${d.deploymentGroup}  ${d.revision.slice(0, 12)}  ${new Date(d.createdAt).toISOString()}\n`);
      }
    });

  deploy
    .command('logs <deploymentId>')
    .description("fetch a host's complete hook log for a deployment, from the host itself")
    .requiredOption('--host <peer>', 'peer id or instance name of the host')
    .option('--config <file>', 'coordinator config (or CONVOY_CONFIG)')
    .action(async (id: string, opts: GlobalOptions & { host: string }) => {
      const res = await ApiClient.forConfig(await coordinatorConfig(opts)).getText(`/v1/deployments/${encodeURIComponent(id)}/logs?host=${encodeURIComponent(opts.host)}`);
      process.stdout.write(await res.text());
    });
}

/** Asks the target hosts for their reports and stores those that verify (coordinator/daemon/status-pull.ts). */
export type FleetPull = (store: CoordinatorStore, d: StoredDeployment) => Promise<void>;

/**
 * From the daemon or, when no daemon is running, from the durable store plus what the target hosts answer
 * over the status protocol: a deployment the fleet finished with the coordinator gone shows its outcome.
 * `pull` asks the hosts; by default from a node started for this call alone.
 */
export async function getDeployment(config: CoordinatorConfig, id: string, pull: FleetPull = pullOnce): Promise<DeploymentView> {
  try {
    return await ApiClient.forConfig(config).get<DeploymentView>(`/v1/deployments/${encodeURIComponent(id)}`);
  } catch (err) {
    if (!isUnreachable(err)) throw err;
    const store = await CoordinatorStore.open(config.dataDir);
    const stored = await store.getDeployment(id);
    const platformView = stored === undefined ? await (await import('../platforms/service.ts')).readPlatformView(config.dataDir, id) : undefined;
    if (platformView !== undefined) return platformView;
    if (stored === undefined) throw new CliError(`Deployment ${id} does not exist`, EXIT.failed);
    if (stored.finalStatus === undefined) await pull(store, stored);
    return buildDeploymentView(stored, await store.reports(id), store.fleetEntries());
  }
}

async function pullOnce(store: CoordinatorStore, d: StoredDeployment): Promise<void> {
  // Loaded only here: the libp2p stack is heavy, and every other path of the CLI does without it.
  const [{ pullFromFleet }, { pino }] = await Promise.all([import('../daemon/status-pull.ts'), import('pino')]);
  await pullFromFleet(store, d, pino({ level: 'silent' }));
}
