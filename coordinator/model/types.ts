// The CodeDeploy object model the coordinator keeps beside its deployment store: applications,
// deployment groups, registered revisions, custom deployment configs, the on-premises instance
// registry and API-level deployment metadata. Field names follow the CodeDeploy API shapes, so the
// endpoint can echo stored values without translation. Times are epoch milliseconds.

export interface Tag { readonly Key: string; readonly Value?: string }
export type TagFilterType = 'KEY_ONLY' | 'VALUE_ONLY' | 'KEY_AND_VALUE';
export interface TagFilter { readonly Key?: string; readonly Value?: string; readonly Type?: TagFilterType }

export type ComputePlatform = 'Server' | 'Lambda' | 'ECS';
export type BundleType = 'tar' | 'tgz' | 'zip' | 'YAML' | 'JSON';

export interface S3Location {
  readonly bucket: string;
  readonly key: string;
  readonly bundleType: BundleType;
  readonly version?: string;
  readonly eTag?: string;
}

/** Only S3 locations are stored: GitHub/String/AppSpecContent are refused at the API. */
export interface RevisionLocation {
  readonly revisionType: 'S3';
  readonly s3Location: S3Location;
}

export interface ApplicationRecord {
  readonly applicationId: string;
  applicationName: string;
  readonly computePlatform: ComputePlatform;
  readonly createTime: number;
}

export interface AutoRollbackConfiguration {
  readonly enabled?: boolean;
  readonly events?: readonly ('DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_ALARM' | 'DEPLOYMENT_STOP_ON_REQUEST')[];
}

export interface AlarmConfiguration {
  readonly enabled?: boolean;
  readonly ignorePollAlarmFailure?: boolean;
  readonly alarms?: readonly { name?: string }[];
}

export interface DeploymentStyle {
  readonly deploymentType?: 'IN_PLACE' | 'BLUE_GREEN';
  readonly deploymentOption?: 'WITH_TRAFFIC_CONTROL' | 'WITHOUT_TRAFFIC_CONTROL';
}

export interface DeploymentGroupRecord {
  /** Stable across renames; equal to the group id hooks see (DEPLOYMENT_GROUP_ID). */
  readonly deploymentGroupId: string;
  applicationName: string;
  deploymentGroupName: string;
  serviceRoleArn: string;
  deploymentConfigName: string;
  ec2TagFilters: TagFilter[];
  onPremisesInstanceTagFilters: TagFilter[];
  ec2TagSet?: { ec2TagSetList: TagFilter[][] };
  onPremisesTagSet?: { onPremisesTagSetList: TagFilter[][] };
  /** On-premises instance names targeted explicitly (a Convoy extension; not in the CodeDeploy API). */
  instanceNames?: string[];
  autoScalingGroups: string[];
  deploymentStyle: DeploymentStyle;
  autoRollbackConfiguration?: AutoRollbackConfiguration;
  alarmConfiguration?: AlarmConfiguration;
  triggerConfigurations: unknown[];
  outdatedInstancesStrategy: 'UPDATE' | 'IGNORE';
  loadBalancerInfo?: unknown;
  blueGreenDeploymentConfiguration?: unknown;
  ecsServices?: unknown[];
  /** Default for deployments that do not say (CodeDeploy's default is DISALLOW). */
  fileExistsBehavior: 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
  readonly createTime: number;
}

export interface RevisionRecord {
  readonly location: RevisionLocation;
  description?: string;
  readonly registerTime: number;
  firstUsedTime?: number;
  lastUsedTime?: number;
  deploymentGroups: string[];
}

export interface CustomDeploymentConfig {
  readonly deploymentConfigId: string;
  readonly deploymentConfigName: string;
  readonly computePlatform: ComputePlatform;
  readonly minimumHealthyHosts?: { type: 'HOST_COUNT' | 'FLEET_PERCENT'; value: number };
  readonly trafficRoutingConfig?: unknown;
  readonly zonalConfig?: unknown;
  readonly createTime: number;
}

/**
 * An on-premises instance. Agents appear by themselves (name and tags from their heartbeats); a record
 * here holds what the API added: an explicit registration, tags added or removed, a deregistration.
 */
export interface InstanceRecord {
  readonly instanceName: string;
  /** False for an agent that was only seen in heartbeats and then tagged through the API. */
  explicit: boolean;
  iamSessionArn?: string;
  iamUserArn?: string;
  registerTime: number;
  deregisterTime?: number;
  /** Tags set through the API (win over heartbeat tags with the same key). */
  tags: Tag[];
  /** Heartbeat tag keys removed through the API. */
  removedAgentTagKeys: string[];
}

export interface ApiDeploymentRecord {
  readonly deploymentId: string;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly deploymentGroupId: string;
  readonly deploymentConfigName: string;
  readonly revision: RevisionLocation;
  readonly revisionSha256?: string;
  readonly previousRevision?: RevisionLocation;
  readonly description?: string;
  readonly creator: 'user' | 'codeDeployRollback';
  readonly ignoreApplicationStopFailures: boolean;
  readonly updateOutdatedInstancesOnly: boolean;
  readonly fileExistsBehavior: 'DISALLOW' | 'OVERWRITE' | 'RETAIN';
  readonly autoRollbackConfiguration?: AutoRollbackConfiguration;
  readonly targetInstances?: unknown;
  readonly overrideAlarmConfiguration?: unknown;
  readonly createTime: number;
  /** Set when the deployment ended before any intent existed (no instances matched). */
  readonly failedBeforeStart?: { code: string; message: string; completeTime: number };
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string; rollbackMessage?: string };
  /** Auto-rollback has been considered for this deployment (done or not needed). */
  rollbackHandled?: boolean;
}

export interface HookStatusRecord {
  readonly deploymentId: string;
  readonly lifecycleEventHookExecutionId: string;
  readonly status: 'Succeeded' | 'Failed';
  readonly receivedAt: number;
}

/** Fetched S3 objects, so an unchanged object is not downloaded again. */
export interface S3CacheEntry {
  readonly bucket: string;
  readonly key: string;
  readonly version?: string;
  readonly eTag: string;
  readonly sha256: string;
}
