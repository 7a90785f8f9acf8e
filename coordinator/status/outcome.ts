// The deployment-level status from host statuses, by CodeDeploy's rules (reference §6.1): minimum healthy
// m (FLEET_PERCENT converted once, rounding up); success needs at least m successes and at least one.
import type { DeploymentConfig } from '../../protocol/messages/intent.ts';
import type { HostStatus } from '../../protocol/messages/report.ts';
import type { DeploymentStatus } from '../../protocol/messages/summary.ts';

export function minimumHealthyHosts(config: DeploymentConfig, targets: number): number {
  const { type, value } = config.minimumHealthyHosts;
  return type === 'HOST_COUNT' ? value : Math.ceil((targets * value) / 100);
}

export function deploymentOutcome(config: DeploymentConfig, hosts: readonly HostStatus[]): DeploymentStatus {
  const n = hosts.length;
  const succeeded = hosts.filter((h) => h === 'Succeeded').length;
  const finished = hosts.filter((h) => h === 'Succeeded' || h === 'Failed' || h === 'Skipped' || h === 'Stopped').length;
  if (hosts.some((h) => h === 'Stopped')) return finished === n ? 'Stopped' : 'InProgress';
  if (finished < n) return hosts.every((h) => h === 'Pending') ? 'Created' : 'InProgress';
  const m = minimumHealthyHosts(config, n);
  return succeeded >= Math.max(m, 1) ? 'Succeeded' : 'Failed';
}
