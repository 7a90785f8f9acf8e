// `convoy deployment-config create/list/get`: predefined configs plus custom HOST_COUNT/FLEET_PERCENT ones
// kept in the CodeDeploy model, where CreateDeploymentConfig keeps them too.
import { randomUUID } from 'node:crypto';
import { customConfig, DeploymentConfigError, predefinedConfig } from '../../protocol/rollout/index.ts';
import type { CodeDeployModel } from '../model/model-store.ts';
import { own, put } from '../model/model-store.ts';
import { PREDEFINED_CONFIG_NAMES } from './deployment-configs.ts';
import { RequestError } from './create-deployment.ts';

export interface ConfigView {
  readonly name: string;
  readonly predefined: boolean;
  readonly minimumHealthyHosts: { type: string; value: number };
  readonly createdAt?: number;
}

export function listConfigs(model: CodeDeployModel): ConfigView[] {
  const predefined = PREDEFINED_CONFIG_NAMES.map((name) => ({ name, predefined: true, minimumHealthyHosts: { ...predefinedConfig(name).minimumHealthyHosts } }));
  const custom = Object.values(model.data.deploymentConfigs)
    .filter((c) => c.computePlatform === 'Server' && c.minimumHealthyHosts !== undefined)
    .map((c) => ({ name: c.deploymentConfigName, predefined: false, minimumHealthyHosts: { ...c.minimumHealthyHosts! }, createdAt: c.createTime }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return [...predefined, ...custom];
}

export async function createCustomConfig(model: CodeDeployModel, body: { name?: unknown; type?: unknown; value?: unknown }): Promise<ConfigView> {
  if (typeof body.name !== 'string') throw new RequestError('Body needs "name"');
  if (body.type !== 'HOST_COUNT' && body.type !== 'FLEET_PERCENT') throw new RequestError(`"type" must be HOST_COUNT or FLEET_PERCENT, got ${JSON.stringify(body.type)}`);
  if (typeof body.value !== 'number') throw new RequestError(`"value" must be a number, got ${JSON.stringify(body.value)}`);
  let config;
  try {
    config = customConfig(body.name, body.type, body.value);
  } catch (err) {
    if (err instanceof DeploymentConfigError) throw new RequestError(err.message);
    throw err;
  }
  const createdAt = Date.now();
  await model.mutate(['deploymentConfigs'], (d) => {
    if (own(d.deploymentConfigs, config.name) !== undefined) throw new RequestError(`Deployment config "${config.name}" already exists`);
    put(d.deploymentConfigs, config.name, {
      deploymentConfigId: randomUUID(), deploymentConfigName: config.name, computePlatform: 'Server',
      minimumHealthyHosts: { type: body.type as 'HOST_COUNT' | 'FLEET_PERCENT', value: body.value as number }, createTime: createdAt,
    });
  });
  return { name: config.name, predefined: false, minimumHealthyHosts: { type: body.type, value: body.value }, createdAt };
}
