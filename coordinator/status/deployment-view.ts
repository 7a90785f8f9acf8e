// What the coordinator knows about one deployment, derived from the signed intent and the verified
// reports: per host, per event status, and the deployment's status under CodeDeploy's success rule.
import { FINAL_HOST_STATUSES, type HostStatus, type LifecycleReport } from '../../protocol/messages/report.ts';
import type { FleetEntry, StoredDeployment, StoredReport } from '../store/store.ts';
import { deploymentOutcome, type DeploymentStatus } from './outcome.ts';

export interface EventView {
  readonly event: string;
  readonly status: LifecycleReport['status'];
  readonly errorCode: LifecycleReport['errorCode'];
  readonly exitCode?: number;
  readonly scriptName: string;
  readonly message: string;
  readonly logTail: string;
  readonly startedAt: number;
  readonly endedAt?: number;
}

export interface HostView {
  readonly peerId: string;
  readonly instanceName: string;
  readonly status: HostStatus;
  /** An operator declared the host dead while it had not finished: it counts as failed, whatever it last said. */
  readonly declaredDead?: true;
  readonly events: EventView[];
  /** Latest download progress the host published (bytes verified, bundle size, peers serving it). */
  readonly download?: { readonly bytes: number; readonly total: number; readonly peers: number };
}

export interface DeploymentView {
  readonly deploymentId: string;
  readonly application: string;
  readonly deploymentGroup: string;
  readonly revision: string;
  readonly config: string;
  readonly status: DeploymentStatus;
  readonly createdAt: number;
  readonly completedAt?: number;
  readonly rollbackOf?: string;
  readonly rolledBackBy?: string;
  readonly failureReason?: string;
  readonly stopRequested?: boolean;
  readonly counts: Record<HostStatus, number>;
  readonly hosts: HostView[];
  /** Absent for Server deployments. Lambda/ECS views (coordinator/platforms/view.ts) show one pseudo-host per target. */
  readonly computePlatform?: 'Lambda' | 'ECS';
  /** Lambda/ECS: the in-place rollback that followed a failure or stop. */
  readonly rollback?: { readonly status: 'InProgress' | 'Succeeded' | 'Failed' | 'NotNeeded'; readonly message?: string };
}

export function buildDeploymentView(d: StoredDeployment, reports: readonly StoredReport[], fleet: readonly FleetEntry[]): DeploymentView {
  const names = new Map(fleet.map((f) => [f.heartbeat.host, f.heartbeat.instanceName]));
  const dead = new Set((d.declaredDead ?? []).map((x) => x.host));
  const hosts = d.intent.targets.map((peerId) => {
    const view = hostView(peerId, names.get(peerId) ?? peerId, reports.filter((r) => r.report.host === peerId));
    // A dead host sends no final report; its last word (InProgress, say) would hold the deployment open forever.
    return dead.has(peerId) && !FINAL_HOST_STATUSES.has(view.status) ? { ...view, status: 'Failed' as const, declaredDead: true as const } : view;
  });
  const counts: Record<HostStatus, number> = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Stopped: 0 };
  for (const h of hosts) counts[h.status] += 1;
  const status = d.finalStatus ?? deploymentOutcome(d.intent.config, hosts.map((h) => h.status));
  return {
    deploymentId: d.intent.deploymentId,
    application: d.intent.application,
    deploymentGroup: d.intent.deploymentGroup,
    revision: d.intent.revision.sha256,
    config: d.intent.config.name,
    status,
    createdAt: d.createdAt,
    ...(d.completedAt !== undefined ? { completedAt: d.completedAt } : {}),
    ...(d.intent.rollbackOf !== undefined ? { rollbackOf: d.intent.rollbackOf } : {}),
    ...(d.rolledBackBy !== undefined ? { rolledBackBy: d.rolledBackBy } : {}),
    ...(d.failureReason !== undefined ? { failureReason: d.failureReason } : {}),
    ...(d.stopRequested !== undefined ? { stopRequested: true } : {}),
    counts,
    hosts,
  };
}

function hostView(peerId: string, instanceName: string, reports: readonly StoredReport[]): HostView {
  const ordered = [...reports].sort((a, b) => a.report.seq - b.report.seq);
  const events = new Map<string, EventView>();
  let status: HostStatus = 'Pending';
  for (const { report: r } of ordered) {
    events.set(r.event, {
      event: r.event, status: r.status, errorCode: r.errorCode, scriptName: r.scriptName, message: r.message,
      logTail: r.logTail, startedAt: r.startedAt,
      ...(r.exitCode !== undefined ? { exitCode: r.exitCode } : {}),
      ...(r.endedAt !== undefined ? { endedAt: r.endedAt } : {}),
    });
    status = r.hostStatus;
  }
  return { peerId, instanceName, status, events: [...events.values()] };
}
