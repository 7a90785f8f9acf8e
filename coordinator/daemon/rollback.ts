// When a finished deployment calls for an automatic rollback, and to what (CodeDeploy §7): a new
// deployment of the group's last successful revision, to the same hosts, linked to the one it replaces.
import type { StoredDeployment } from '../store/store.ts';
import type { CreateDeploymentRequest } from './create-deployment.ts';

export function rollbackRequest(d: StoredDeployment, all: readonly StoredDeployment[]): CreateDeploymentRequest | undefined {
  if (d.rolledBackBy !== undefined) return undefined;
  const events = d.autoRollbackEvents ?? [];
  const wanted =
    (d.finalStatus === 'Failed' && events.includes('DEPLOYMENT_FAILURE')) ||
    (d.finalStatus === 'Stopped' && d.stopRequested !== undefined && (d.stopRequested.rollback || events.includes('DEPLOYMENT_STOP_ON_REQUEST')));
  if (!wanted) return undefined;
  const lastGood = all
    .filter((o) => o.intent.deploymentGroupId === d.intent.deploymentGroupId && o.finalStatus === 'Succeeded' && o.createdAt < d.createdAt)
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  if (lastGood === undefined) return undefined;
  return {
    application: d.intent.application,
    deploymentGroup: d.intent.deploymentGroup,
    deploymentGroupId: d.intent.deploymentGroupId,
    revision: lastGood.intent.revision.sha256,
    config: d.intent.config.name,
    targets: [],
    targetPeerIds: d.intent.targets,
    // The rollback applies the file-exists option of the last successful deployment (§7).
    fileExistsBehavior: lastGood.intent.fileExistsBehavior,
    ignoreApplicationStopFailures: d.intent.ignoreApplicationStopFailures,
    rollbackOf: d.intent.deploymentId,
    description: `Rollback of ${d.intent.deploymentId}`,
  };
}
