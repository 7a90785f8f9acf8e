// Every operation of the CodeDeploy 2014-10-06 model (47), each routed to its handler by an exhaustive switch:
// adding a name to OPERATIONS without a case is a compile error.
import type { ApiContext } from './context.ts';
import type { Input } from './validate.ts';
import * as apps from './handlers/applications.ts';
import * as groups from './handlers/deployment-groups.ts';
import * as revisions from './handlers/revisions.ts';
import * as deployments from './handlers/deployments.ts';
import * as configs from './handlers/deployment-configs.ts';
import * as targets from './handlers/targets.ts';
import * as onprem from './handlers/on-premises.ts';
import * as tagging from './handlers/tagging.ts';
import * as github from './handlers/github.ts';
import { putLifecycleEventHookExecutionStatus } from './hook-status.ts';

export const OPERATIONS = [
  'AddTagsToOnPremisesInstances', 'BatchGetApplicationRevisions', 'BatchGetApplications', 'BatchGetDeploymentGroups',
  'BatchGetDeploymentInstances', 'BatchGetDeploymentTargets', 'BatchGetDeployments', 'BatchGetOnPremisesInstances',
  'ContinueDeployment', 'CreateApplication', 'CreateDeployment', 'CreateDeploymentConfig', 'CreateDeploymentGroup',
  'DeleteApplication', 'DeleteDeploymentConfig', 'DeleteDeploymentGroup', 'DeleteGitHubAccountToken',
  'DeleteResourcesByExternalId', 'DeregisterOnPremisesInstance', 'GetApplication', 'GetApplicationRevision',
  'GetDeployment', 'GetDeploymentConfig', 'GetDeploymentGroup', 'GetDeploymentInstance', 'GetDeploymentTarget',
  'GetOnPremisesInstance', 'ListApplicationRevisions', 'ListApplications', 'ListDeploymentConfigs',
  'ListDeploymentGroups', 'ListDeploymentInstances', 'ListDeploymentTargets', 'ListDeployments',
  'ListGitHubAccountTokenNames', 'ListOnPremisesInstances', 'ListTagsForResource', 'PutLifecycleEventHookExecutionStatus',
  'RegisterApplicationRevision', 'RegisterOnPremisesInstance', 'RemoveTagsFromOnPremisesInstances',
  'SkipWaitTimeForInstanceTermination', 'StopDeployment', 'TagResource', 'UntagResource', 'UpdateApplication',
  'UpdateDeploymentGroup',
] as const;
export type Operation = (typeof OPERATIONS)[number];

export function isOperation(name: string): name is Operation {
  return (OPERATIONS as readonly string[]).includes(name);
}

/** Runs one operation; `undefined` means the operation has no output (an empty body is sent). */
export function dispatch(op: Operation, ctx: ApiContext, input: Input): Promise<unknown> {
  switch (op) {
    case 'CreateApplication': return apps.createApplication(ctx, input);
    case 'GetApplication': return apps.getApplication(ctx, input);
    case 'BatchGetApplications': return apps.batchGetApplications(ctx, input);
    case 'ListApplications': return apps.listApplications(ctx, input);
    case 'UpdateApplication': return apps.updateApplication(ctx, input);
    case 'DeleteApplication': return apps.deleteApplication(ctx, input);
    case 'CreateDeploymentGroup': return groups.createDeploymentGroup(ctx, input);
    case 'GetDeploymentGroup': return groups.getDeploymentGroup(ctx, input);
    case 'BatchGetDeploymentGroups': return groups.batchGetDeploymentGroups(ctx, input);
    case 'ListDeploymentGroups': return groups.listDeploymentGroups(ctx, input);
    case 'UpdateDeploymentGroup': return groups.updateDeploymentGroup(ctx, input);
    case 'DeleteDeploymentGroup': return groups.deleteDeploymentGroup(ctx, input);
    case 'RegisterApplicationRevision': return revisions.registerApplicationRevision(ctx, input);
    case 'GetApplicationRevision': return revisions.getApplicationRevision(ctx, input);
    case 'BatchGetApplicationRevisions': return revisions.batchGetApplicationRevisions(ctx, input);
    case 'ListApplicationRevisions': return revisions.listApplicationRevisions(ctx, input);
    case 'CreateDeployment': return deployments.createDeployment(ctx, input);
    case 'GetDeployment': return deployments.getDeployment(ctx, input);
    case 'BatchGetDeployments': return deployments.batchGetDeployments(ctx, input);
    case 'ListDeployments': return deployments.listDeployments(ctx, input);
    case 'StopDeployment': return deployments.stopDeployment(ctx, input);
    case 'ContinueDeployment': return deployments.continueDeployment(ctx, input);
    case 'SkipWaitTimeForInstanceTermination': return deployments.skipWaitTimeForInstanceTermination(ctx, input);
    case 'DeleteResourcesByExternalId': return deployments.deleteResourcesByExternalId(ctx, input);
    case 'CreateDeploymentConfig': return configs.createDeploymentConfig(ctx, input);
    case 'GetDeploymentConfig': return configs.getDeploymentConfig(ctx, input);
    case 'ListDeploymentConfigs': return configs.listDeploymentConfigs(ctx, input);
    case 'DeleteDeploymentConfig': return configs.deleteDeploymentConfig(ctx, input);
    case 'ListDeploymentTargets': return targets.listDeploymentTargets(ctx, input);
    case 'BatchGetDeploymentTargets': return targets.batchGetDeploymentTargets(ctx, input);
    case 'GetDeploymentTarget': return targets.getDeploymentTarget(ctx, input);
    case 'ListDeploymentInstances': return targets.listDeploymentInstances(ctx, input);
    case 'GetDeploymentInstance': return targets.getDeploymentInstance(ctx, input);
    case 'BatchGetDeploymentInstances': return targets.batchGetDeploymentInstances(ctx, input);
    case 'PutLifecycleEventHookExecutionStatus': return putLifecycleEventHookExecutionStatus(ctx, input);
    case 'RegisterOnPremisesInstance': return onprem.registerOnPremisesInstance(ctx, input);
    case 'DeregisterOnPremisesInstance': return onprem.deregisterOnPremisesInstance(ctx, input);
    case 'GetOnPremisesInstance': return onprem.getOnPremisesInstance(ctx, input);
    case 'BatchGetOnPremisesInstances': return onprem.batchGetOnPremisesInstances(ctx, input);
    case 'ListOnPremisesInstances': return onprem.listOnPremisesInstances(ctx, input);
    case 'AddTagsToOnPremisesInstances': return onprem.addTagsToOnPremisesInstances(ctx, input);
    case 'RemoveTagsFromOnPremisesInstances': return onprem.removeTagsFromOnPremisesInstances(ctx, input);
    case 'ListTagsForResource': return tagging.listTagsForResource(ctx, input);
    case 'TagResource': return tagging.tagResource(ctx, input);
    case 'UntagResource': return tagging.untagResource(ctx, input);
    case 'ListGitHubAccountTokenNames': return github.listGitHubAccountTokenNames(ctx, input);
    case 'DeleteGitHubAccountToken': return github.deleteGitHubAccountToken(ctx, input);
    default: {
      const unreachable: never = op;
      throw new Error(`unhandled operation ${String(unreachable)}`);
    }
  }
}
