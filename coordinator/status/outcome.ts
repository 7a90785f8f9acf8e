// The deployment-level status from host statuses, by CodeDeploy's rules (protocol/rollout): success
// needs at least m successes and at least one; a stop ends it Stopped once no host is deploying.
import { minimumHealthy, successRule } from '../../protocol/rollout/index.ts';
import type { DeploymentConfig } from '../../protocol/messages/intent.ts';
import { FINAL_HOST_STATUSES, type HostStatus } from '../../protocol/messages/report.ts';

/** A deployment's status as the coordinator reports it (CodeDeploy's names). */
export type DeploymentStatus = 'Created' | 'InProgress' | 'Succeeded' | 'Failed' | 'Stopped';

export function deploymentOutcome(config: DeploymentConfig, hosts: readonly HostStatus[]): DeploymentStatus {
  const n = hosts.length;
  const succeeded = hosts.filter((h) => h === 'Succeeded').length;
  const finished = hosts.filter((h) => FINAL_HOST_STATUSES.has(h)).length;
  if (finished < n) return hosts.every((h) => h === 'Pending') ? 'Created' : 'InProgress';
  if (hosts.some((h) => h === 'Stopped')) return 'Stopped';
  return successRule(succeeded, minimumHealthy(config as never, n)) ? 'Succeeded' : 'Failed';
}
