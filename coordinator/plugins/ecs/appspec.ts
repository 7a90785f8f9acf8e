// ECS AppSpec: one `AWS::ECS::Service` resource (TaskDefinition, LoadBalancerInfo, optional PlatformVersion,
// NetworkConfiguration, CapacityProviderStrategy) and up to five hooks, keys matched case-insensitively.

import { asMapping, field, isMapping, join, oneKeyList, optionalString, parseAppSpecDocument, parseHooks, requiredString, type Mapping } from '../appspec-common.ts';
import { AppSpecInvalidError } from '../errors.ts';

export const ECS_HOOK_EVENTS = ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'] as const;
export type EcsHookEvent = (typeof ECS_HOOK_EVENTS)[number];

export interface EcsNetworkConfiguration {
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly assignPublicIp: 'ENABLED' | 'DISABLED';
}

export interface EcsCapacityProvider {
  readonly capacityProvider: string;
  readonly base: number;
  readonly weight: number;
}

export interface EcsAppSpec {
  readonly resourceName: string;
  readonly taskDefinition: string;
  readonly containerName: string;
  readonly containerPort: number;
  readonly platformVersion?: string;
  readonly networkConfiguration?: EcsNetworkConfiguration;
  readonly capacityProviderStrategy?: readonly EcsCapacityProvider[];
  readonly hooks: Readonly<Partial<Record<EcsHookEvent, string>>>;
}

function stringList(map: Mapping, name: string, path: string): string[] {
  const value = field(map, name, path);
  const key = join(path, name);
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v.trim() !== '')) {
    throw new AppSpecInvalidError(`${key} must be a non-empty list of strings`, key);
  }
  return value.map((v: string) => v.trim());
}

function integer(map: Mapping, name: string, path: string, min: number, max: number, fallback?: number): number {
  const value = field(map, name, path);
  const key = join(path, name);
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new AppSpecInvalidError(`${key} must be an integer from ${min} to ${max}: ${JSON.stringify(value)}`, key);
  }
  return value;
}

function network(props: Mapping, path: string): EcsNetworkConfiguration | undefined {
  const raw = field(props, 'NetworkConfiguration', path);
  if (raw === undefined || raw === null) return undefined;
  const netPath = join(path, 'NetworkConfiguration');
  const vpcPath = join(netPath, 'AwsvpcConfiguration');
  const vpc = asMapping(field(asMapping(raw, netPath), 'AwsvpcConfiguration', netPath), vpcPath);
  const assign = requiredString(vpc, 'AssignPublicIp', vpcPath);
  if (assign !== 'ENABLED' && assign !== 'DISABLED') {
    throw new AppSpecInvalidError(`${vpcPath}.AssignPublicIp must be ENABLED or DISABLED: ${JSON.stringify(assign)}`, `${vpcPath}.AssignPublicIp`);
  }
  return { subnets: stringList(vpc, 'Subnets', vpcPath), securityGroups: stringList(vpc, 'SecurityGroups', vpcPath), assignPublicIp: assign };
}

function capacityProviders(props: Mapping, path: string): EcsCapacityProvider[] | undefined {
  const raw = field(props, 'CapacityProviderStrategy', path);
  if (raw === undefined || raw === null) return undefined;
  const listPath = join(path, 'CapacityProviderStrategy');
  if (!Array.isArray(raw) || raw.length === 0) throw new AppSpecInvalidError(`${listPath} must be a non-empty list`, listPath);
  const out = raw.map((item: unknown, i) => {
    const p = `${listPath}[${i}]`;
    if (!isMapping(item)) throw new AppSpecInvalidError(`${p} must be a mapping`, p);
    return {
      capacityProvider: requiredString(item, 'CapacityProvider', p),
      base: integer(item, 'Base', p, 0, 100_000, 0),
      weight: integer(item, 'Weight', p, 0, 1000, 0),
    };
  });
  if (out.filter((c) => c.base > 0).length > 1) throw new AppSpecInvalidError(`${listPath}: only one provider may have a Base`, listPath);
  if (!out.some((c) => c.weight > 0)) throw new AppSpecInvalidError(`${listPath}: at least one Weight must be greater than 0`, listPath);
  return out;
}

export function parseEcsAppSpec(text: string): EcsAppSpec {
  const root = parseAppSpecDocument(text);
  const resources = oneKeyList(field(root, 'Resources', ''), 'Resources');
  if (resources.length !== 1) {
    throw new AppSpecInvalidError(`Resources must hold exactly one AWS::ECS::Service: found ${resources.length}`, 'Resources');
  }
  const [resourceName, body] = resources[0]!;
  const base = `Resources[0].${resourceName}`;
  const resource = asMapping(body, base);
  const type = requiredString(resource, 'Type', base);
  if (type !== 'AWS::ECS::Service') throw new AppSpecInvalidError(`${base}.Type must be AWS::ECS::Service: ${JSON.stringify(type)}`, `${base}.Type`);
  const propsPath = `${base}.Properties`;
  const props = asMapping(field(resource, 'Properties', base), propsPath);
  const lbPath = `${propsPath}.LoadBalancerInfo`;
  const lb = asMapping(field(props, 'LoadBalancerInfo', propsPath), lbPath);
  const platformVersion = optionalString(props, 'PlatformVersion', propsPath);
  const networkConfiguration = network(props, propsPath);
  const capacityProviderStrategy = capacityProviders(props, propsPath);
  return {
    resourceName,
    taskDefinition: requiredString(props, 'TaskDefinition', propsPath),
    containerName: requiredString(lb, 'ContainerName', lbPath),
    containerPort: integer(lb, 'ContainerPort', lbPath, 1, 65535),
    ...(platformVersion !== undefined ? { platformVersion } : {}),
    ...(networkConfiguration !== undefined ? { networkConfiguration } : {}),
    ...(capacityProviderStrategy !== undefined ? { capacityProviderStrategy } : {}),
    hooks: parseHooks(root, ECS_HOOK_EVENTS),
  };
}
