// CreateDeploymentConfig, GetDeploymentConfig, ListDeploymentConfigs, DeleteDeploymentConfig. The built-in
// CodeDeployDefault.* configs are listed for every compute platform; which of them the coordinator can
// execute today is decided by the daemon's own table (daemon/deployment-configs.ts).
import { createHash, randomUUID } from 'node:crypto';
import { fail } from '../errors.ts';
import { secs, type ApiContext } from '../context.ts';
import { paginate } from '../pagination.ts';
import { name, oneOf, optObject, type Input } from '../validate.ts';
import { own, put } from '../../model/model-store.ts';
import type { ComputePlatform, CustomDeploymentConfig } from '../../model/types.ts';
import { PREDEFINED_CONFIGS as EXECUTABLE } from '../../daemon/deployment-configs.ts';
import { ECS_PREDEFINED_CONFIGS, LAMBDA_PREDEFINED_CONFIGS } from '../../plugins/schedule.ts';

const CONFIG_NAME = ['deploymentConfigName', 'DeploymentConfigNameRequiredException', 'InvalidDeploymentConfigNameException'] as const;
const PREFIX = 'CodeDeployDefault.';

interface ConfigInfo {
  readonly deploymentConfigId: string;
  readonly deploymentConfigName: string;
  readonly computePlatform: ComputePlatform;
  readonly minimumHealthyHosts?: { type: string; value: number };
  readonly trafficRoutingConfig?: unknown;
  readonly zonalConfig?: unknown;
  readonly createTime: number;
}

const builtIn = (n: string, computePlatform: ComputePlatform, rest: Partial<ConfigInfo>): ConfigInfo => {
  const h = createHash('sha256').update(n).digest('hex');
  return {
    deploymentConfigId: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`,
    deploymentConfigName: n, computePlatform, createTime: Date.UTC(2014, 9, 6), ...rest,
  };
};

export const BUILT_IN_CONFIGS: ReadonlyMap<string, ConfigInfo> = new Map([
  builtIn(`${PREFIX}OneAtATime`, 'Server', { minimumHealthyHosts: { type: 'MOST_CONCURRENCY', value: 1 } }),
  builtIn(`${PREFIX}HalfAtATime`, 'Server', { minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 } }),
  builtIn(`${PREFIX}AllAtOnce`, 'Server', { minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } }),
  ...Object.entries(LAMBDA_PREDEFINED_CONFIGS).map(([n, t]) => builtIn(PREFIX + n, 'Lambda', { trafficRoutingConfig: t })),
  ...Object.entries(ECS_PREDEFINED_CONFIGS).map(([n, t]) => builtIn(PREFIX + n, 'ECS', { trafficRoutingConfig: t })),
].map((c) => [c.deploymentConfigName, c] as const));

export function findConfig(ctx: ApiContext, configName: string): ConfigInfo | undefined {
  return BUILT_IN_CONFIGS.get(configName) ?? ctx.model.customConfig(configName);
}

export function requireConfig(ctx: ApiContext, configName: string): ConfigInfo {
  return findConfig(ctx, configName) ?? fail('DeploymentConfigDoesNotExistException', `No deployment configuration found for name: ${configName}`);
}

/** Throws a clear 400 when the coordinator cannot run a Server deployment with this config. */
export function requireExecutable(ctx: ApiContext, configName: string): void {
  const custom = ctx.model.customConfig(configName);
  if (custom !== undefined && custom.computePlatform === 'Server' && custom.minimumHealthyHosts !== undefined) return;
  if (own(EXECUTABLE, configName) === undefined) {
    fail('InvalidDeploymentConfigNameException',
      `Deployment config "${configName}" is not a Server config this coordinator can execute (executable: ${Object.keys(EXECUTABLE).join(', ')} and custom HOST_COUNT/FLEET_PERCENT configs)`);
  }
}

function configInfo(c: ConfigInfo): Record<string, unknown> {
  return { ...c, createTime: secs(c.createTime) };
}

export async function createDeploymentConfig(ctx: ApiContext, input: Input): Promise<unknown> {
  const configName = name(input, ...CONFIG_NAME);
  if (configName.startsWith(PREFIX)) fail('InvalidDeploymentConfigNameException', `Names starting with ${PREFIX} are reserved for built-in configs`);
  const computePlatform = input.computePlatform === undefined ? 'Server'
    : oneOf<ComputePlatform>(input.computePlatform, ['Server', 'Lambda', 'ECS'], 'InvalidComputePlatformException', 'computePlatform');
  const mhh = optObject(input, 'minimumHealthyHosts', 'InvalidMinimumHealthyHostValueException');
  let minimumHealthyHosts: CustomDeploymentConfig['minimumHealthyHosts'];
  if (mhh !== undefined) {
    const type = oneOf(mhh.type, ['HOST_COUNT', 'FLEET_PERCENT'] as const, 'InvalidMinimumHealthyHostValueException', 'minimumHealthyHosts.type');
    const value = mhh.value;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || (type === 'FLEET_PERCENT' && value > 99)) {
      fail('InvalidMinimumHealthyHostValueException', `minimumHealthyHosts.value ${JSON.stringify(value)} must be an integer: 0 or more for HOST_COUNT, 0-99 for FLEET_PERCENT`);
    }
    minimumHealthyHosts = { type, value };
  } else if (computePlatform === 'Server') {
    fail('InvalidMinimumHealthyHostValueException', 'A Server deployment config needs minimumHealthyHosts');
  }
  const traffic = optObject(input, 'trafficRoutingConfig', 'InvalidTrafficRoutingConfigurationException');
  if (traffic !== undefined) {
    if (computePlatform === 'Server') fail('InvalidTrafficRoutingConfigurationException', 'trafficRoutingConfig applies to Lambda and ECS configs only');
    oneOf(traffic.type, ['TimeBasedCanary', 'TimeBasedLinear', 'AllAtOnce'] as const, 'InvalidTrafficRoutingConfigurationException', 'trafficRoutingConfig.type');
  }
  const zonalConfig = optObject(input, 'zonalConfig');
  return ctx.model.mutate(['deploymentConfigs'], (d) => {
    if (own(d.deploymentConfigs, configName) !== undefined) fail('DeploymentConfigAlreadyExistsException', `A deployment configuration named ${configName} already exists`);
    const record: CustomDeploymentConfig = {
      deploymentConfigId: randomUUID(), deploymentConfigName: configName, computePlatform, createTime: ctx.now(),
      ...(minimumHealthyHosts !== undefined ? { minimumHealthyHosts } : {}),
      ...(traffic !== undefined ? { trafficRoutingConfig: traffic } : {}),
      ...(zonalConfig !== undefined ? { zonalConfig } : {}),
    };
    put(d.deploymentConfigs, configName, record);
    return { deploymentConfigId: record.deploymentConfigId };
  });
}

export async function getDeploymentConfig(ctx: ApiContext, input: Input): Promise<unknown> {
  return { deploymentConfigInfo: configInfo(requireConfig(ctx, name(input, ...CONFIG_NAME))) };
}

export async function listDeploymentConfigs(ctx: ApiContext, input: Input): Promise<unknown> {
  const names = [...BUILT_IN_CONFIGS.keys(), ...Object.keys(ctx.model.data.deploymentConfigs).sort()];
  const { page, nextToken } = paginate('ListDeploymentConfigs', names, input.nextToken, ctx.pageSize);
  return { deploymentConfigsList: page, ...(nextToken !== undefined ? { nextToken } : {}) };
}

export async function deleteDeploymentConfig(ctx: ApiContext, input: Input): Promise<unknown> {
  const configName = name(input, ...CONFIG_NAME);
  if (BUILT_IN_CONFIGS.has(configName)) fail('InvalidOperationException', `${configName} is a built-in deployment config and cannot be deleted`);
  await ctx.model.mutate(['deploymentConfigs'], (d) => {
    for (const groups of Object.values(d.deploymentGroups)) {
      for (const g of Object.values(groups)) {
        if (g.deploymentConfigName === configName) {
          fail('DeploymentConfigInUseException', `${configName} is used by deployment group ${g.applicationName}/${g.deploymentGroupName}`);
        }
      }
    }
    delete d.deploymentConfigs[configName];
  });
  return undefined;
}
