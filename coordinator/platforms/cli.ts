// `convoy deploy create --compute-platform Lambda|ECS`: the extra options and the request body they make.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError, EXIT } from '../cli/errors.ts';
import type { PlatformCreateRequest } from './request.ts';

export interface PlatformCliOptions {
  computePlatform?: string;
  appspec?: string;
  application?: string;
  group?: string;
  deploymentConfig?: string;
  deploymentConfigName?: string;
  description?: string;
  autoRollback?: string;
  alarms?: string;
  ignorePollAlarmFailure?: boolean;
  cluster?: string;
  service?: string;
  prodListener?: string;
  testListener?: string;
  targetGroups?: string;
  terminationWait?: string;
  stabilizeTimeout?: string;
}

export function addPlatformOptions(cmd: Command): Command {
  return cmd
    .option('--compute-platform <platform>', 'Server (default: hosts of the fleet), Lambda (alias traffic shifting) or ECS (blue/green task sets)', 'Server')
    .option('--appspec <file>', 'Lambda/ECS: the AppSpec file (YAML or JSON); replaces --revision')
    .option('--alarms <names>', 'Lambda/ECS: CloudWatch alarms, comma-separated (at most 10); one in ALARM stops the deployment')
    .option('--ignore-poll-alarm-failure', 'Lambda/ECS: keep going when alarm state cannot be read')
    .option('--cluster <name>', 'ECS: cluster of the service')
    .option('--service <name>', 'ECS: service (EXTERNAL deployment controller)')
    .option('--prod-listener <arn>', 'ECS: production listener ARN')
    .option('--test-listener <arn>', 'ECS: test listener ARN (enables AllowTestTraffic/AfterAllowTestTraffic)')
    .option('--target-groups <arns>', 'ECS: the two target group ARNs, comma-separated (blue is whichever backs the PRIMARY task set)')
    .option('--termination-wait <minutes>', 'ECS: minutes to keep the old task set after traffic moved (default 60)')
    .option('--stabilize-timeout <minutes>', 'ECS: minutes the new task set may take to become healthy (default 60)');
}

export const PLATFORM_HELP = `
Lambda and ECS (coordinator plugins; the daemon calls AWS with the coordinator.yaml "aws" section):
  convoy deploy create --compute-platform Lambda --appspec appspec.yml \\
      [--deployment-config CodeDeployDefault.LambdaCanary10Percent5Minutes] [--alarms a,b] [--auto-rollback ...] [--wait]
  convoy deploy create --compute-platform ECS --appspec appspec.yml --cluster prod --service web \\
      --prod-listener ARN [--test-listener ARN] --target-groups ARN_BLUE,ARN_GREEN [--termination-wait 5] [--wait]
  --deployment-config takes CodeDeployDefault.X, a custom config of that platform, or a trafficRoutingConfig as
  JSON, e.g. '{"type":"TimeBasedCanary","timeBasedCanary":{"canaryPercentage":10,"canaryInterval":5}}'.
  --auto-rollback for Lambda/ECS: DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM, DEPLOYMENT_STOP_ON_REQUEST or NONE;
  without it all three roll back (the SAM default). --application/--group default to function/alias or service/cluster.`;

const PLATFORM_ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST', 'NONE'];

/** The POST /v1/deployments body for a Lambda/ECS deployment. */
export async function platformCreateBody(opts: PlatformCliOptions): Promise<PlatformCreateRequest> {
  const platform = opts.computePlatform === 'Lambda' || opts.computePlatform === 'ECS' ? opts.computePlatform : undefined;
  if (platform === undefined) throw new CliError(`--compute-platform "${opts.computePlatform}" must be Server, Lambda or ECS`, EXIT.usage);
  if (opts.appspec === undefined) throw new CliError(`--appspec FILE is required for ${platform} deployments`, EXIT.usage);
  let appspec: string;
  try {
    appspec = await readFile(opts.appspec, 'utf8');
  } catch (err) {
    throw new CliError(`Cannot read --appspec "${opts.appspec}": ${(err as Error).message}`, EXIT.usage);
  }
  const configText = opts.deploymentConfigName ?? opts.deploymentConfig;
  let deploymentConfig: PlatformCreateRequest['deploymentConfig'];
  if (configText?.trim().startsWith('{')) {
    try {
      deploymentConfig = JSON.parse(configText) as PlatformCreateRequest['deploymentConfig'];
    } catch {
      throw new CliError('--deployment-config starting with "{" must be a JSON trafficRoutingConfig', EXIT.usage);
    }
  } else deploymentConfig = configText;
  const list = (text: string | undefined): string[] => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const events = list(opts.autoRollback);
  for (const e of events) {
    if (!PLATFORM_ROLLBACK_EVENTS.includes(e)) throw new CliError(`--auto-rollback event "${e}" must be one of ${PLATFORM_ROLLBACK_EVENTS.join(', ')}`, EXIT.usage);
  }
  const minutes = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new CliError(`${flag} "${text}" must be a whole number of minutes`, EXIT.usage);
    return n;
  };
  let target: Record<string, unknown> | undefined;
  if (platform === 'ECS') {
    const groups = list(opts.targetGroups);
    if (opts.cluster === undefined || opts.service === undefined || opts.prodListener === undefined || groups.length !== 2) {
      throw new CliError('ECS deployments need --cluster, --service, --prod-listener and --target-groups BLUE_ARN,GREEN_ARN', EXIT.usage);
    }
    const wait = minutes('--termination-wait', opts.terminationWait);
    const stabilize = minutes('--stabilize-timeout', opts.stabilizeTimeout);
    target = {
      cluster: opts.cluster, service: opts.service, prodListenerArn: opts.prodListener, targetGroupArns: groups,
      ...(opts.testListener !== undefined ? { testListenerArn: opts.testListener } : {}),
      ...(wait !== undefined ? { terminationWaitMinutes: wait } : {}),
      ...(stabilize !== undefined ? { stabilizeTimeoutMinutes: stabilize } : {}),
    };
  }
  const alarms = list(opts.alarms);
  return {
    computePlatform: platform,
    appspec,
    ...(opts.application !== undefined ? { application: opts.application } : {}),
    ...(opts.group !== undefined ? { deploymentGroup: opts.group } : {}),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
    ...(deploymentConfig !== undefined ? { deploymentConfig } : {}),
    ...(alarms.length > 0 ? { alarmConfiguration: { alarms, ...(opts.ignorePollAlarmFailure ? { ignorePollAlarmFailure: true } : {}) } } : {}),
    ...(events.length > 0 ? {
      autoRollback: {
        onFailure: events.includes('DEPLOYMENT_FAILURE'),
        onAlarm: events.includes('DEPLOYMENT_STOP_ON_ALARM'),
        onStopRequest: events.includes('DEPLOYMENT_STOP_ON_REQUEST'),
      },
    } : {}),
    ...(target !== undefined ? { target } : {}),
  };
}
