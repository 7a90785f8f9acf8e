// Custom server deployment configs live in the CodeDeploy model (shared with CreateDeploymentConfig).
import type { DeploymentConfig } from '../../protocol/messages/intent.ts';
import type { CodeDeployModel } from '../model/model-store.ts';
import type { CustomConfigLookup } from './deployment-configs.ts';

export function customConfigLookup(model: CodeDeployModel): CustomConfigLookup {
  return (name) => {
    const record = model.customConfig(name);
    if (record === undefined || record.computePlatform !== 'Server' || record.minimumHealthyHosts === undefined) return undefined;
    return { name: record.deploymentConfigName, minimumHealthyHosts: record.minimumHealthyHosts } satisfies DeploymentConfig;
  };
}
