// Deployment configurations by name: CodeDeploy's predefined ones and custom HOST_COUNT / FLEET_PERCENT
// configs kept on the coordinator (`convoy deployment-config create`).
import { DeploymentConfigError, predefinedConfig, resolveConfig } from '../../protocol/rollout/index.ts';
import type { DeploymentConfig } from '../../protocol/messages/intent.ts';
import { RequestError } from './create-deployment.ts';

export const PREDEFINED_CONFIG_NAMES = ['CodeDeployDefault.OneAtATime', 'CodeDeployDefault.HalfAtATime', 'CodeDeployDefault.AllAtOnce'] as const;

export type CustomConfigLookup = (name: string) => DeploymentConfig | undefined;

/**
 * A config by name. `OneAtATime`, `HalfAtATime` and `AllAtOnce` also name the predefined configs, unless a
 * custom config has that name (custom names may not start with `CodeDeployDefault.`, so the long form is
 * never ambiguous).
 */
export function resolveDeploymentConfig(name: string, custom: CustomConfigLookup = () => undefined): DeploymentConfig {
  try {
    if (name.startsWith('CodeDeployDefault.')) return predefinedConfig(name) as DeploymentConfig;
    const found = custom(name);
    if (found === undefined && PREDEFINED_CONFIG_NAMES.includes(`CodeDeployDefault.${name}` as never)) {
      return predefinedConfig(`CodeDeployDefault.${name}`) as DeploymentConfig;
    }
    if (found === undefined) {
      throw new RequestError(`Deployment config "${name}" does not exist (predefined: ${PREDEFINED_CONFIG_NAMES.join(', ')}; create custom ones with convoy deployment-config create)`);
    }
    return resolveConfig(found as never) as DeploymentConfig;
  } catch (err) {
    if (err instanceof DeploymentConfigError) throw new RequestError(err.message);
    throw err;
  }
}

/** The predefined server configs by name (all executable through the slot protocol). */
export const PREDEFINED_CONFIGS: Readonly<Record<string, DeploymentConfig>> = Object.fromEntries(
  PREDEFINED_CONFIG_NAMES.map((name) => [name, predefinedConfig(name) as DeploymentConfig]),
);
