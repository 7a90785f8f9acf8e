// Predefined and custom deployment configurations by name.
import type { DeploymentConfig } from '../../protocol/messages/intent.ts';
import { RequestError } from './create-deployment.ts';

export const PREDEFINED_CONFIGS: Readonly<Record<string, DeploymentConfig>> = {
  'CodeDeployDefault.AllAtOnce': { name: 'CodeDeployDefault.AllAtOnce', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } },
};

export function resolveDeploymentConfig(name: string): DeploymentConfig {
  const config = PREDEFINED_CONFIGS[name];
  if (config === undefined) {
    throw new RequestError(`Deployment config "${name}" is not supported yet; available: ${Object.keys(PREDEFINED_CONFIGS).join(', ')}`);
  }
  return config;
}
