// What the CodeDeploy handlers need from the coordinator: the model, the deployment store, the live fleet
// and the daemon's own create/view (so API deployments take the same path as `convoy deploy create`).
import type { Logger } from 'pino';
import type { CodeDeployModel } from '../model/model-store.ts';
import type { CoordinatorStore, FleetEntry } from '../store/store.ts';
import type { CreateDeploymentRequest } from '../daemon/create-deployment.ts';
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';
import type { DeploymentView } from '../status/deployment-view.ts';

export interface S3Settings {
  readonly endpoint?: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
}

export interface ApiContext {
  readonly model: CodeDeployModel;
  readonly store: CoordinatorStore;
  fleet(): FleetEntry[];
  create(req: CreateDeploymentRequest): Promise<DeploymentIntent>;
  view(id: string): Promise<DeploymentView | undefined>;
  /** Publishes a signed stop (and a rollback afterwards when asked); absent where stopping is impossible. */
  stopDeployment?(id: string, rollback: boolean): Promise<void>;
  now(): number;
  readonly aliveWindowMs: number;
  readonly region: string;
  readonly accountId: string;
  readonly pageSize: number;
  readonly s3?: S3Settings;
  readonly log: Logger;
}

/** The bucket name that means "the coordinator's own revision store" (air-gapped fleets). */
export const LOCAL_BUCKET = 'convoy-local';

export const secs = (ms: number): number => ms / 1000;

export function applicationArn(ctx: ApiContext, app: string): string {
  return `arn:aws:codedeploy:${ctx.region}:${ctx.accountId}:application:${app}`;
}

export function groupArn(ctx: ApiContext, app: string, group: string): string {
  return `arn:aws:codedeploy:${ctx.region}:${ctx.accountId}:deploymentgroup:${app}/${group}`;
}

export function instanceArn(ctx: ApiContext, name: string): string {
  return `arn:aws:codedeploy:${ctx.region}:${ctx.accountId}:instance/${name}`;
}
