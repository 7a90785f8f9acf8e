// Plain-text rendering of deployments and fleet health for terminals.
import type { DeploymentView } from '../status/deployment-view.ts';
import type { HostHealth } from '../status/fleet-view.ts';

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function shortPeer(peerId: string): string {
  return peerId.length > 16 ? `${peerId.slice(0, 8)}…${peerId.slice(-6)}` : peerId;
}

export function renderDeployment(view: DeploymentView): string {
  const head = [
    `Deployment ${view.deploymentId}  ${view.status}`,
    `  application ${view.application}  group ${view.deploymentGroup}  config ${view.config}`,
    `  revision ${view.revision.slice(0, 16)}  created ${new Date(view.createdAt).toISOString()}` +
      (view.completedAt ? `  completed ${new Date(view.completedAt).toISOString()}` : ''),
    `  hosts: ${view.counts.Succeeded} succeeded, ${view.counts.Failed} failed, ${view.counts.InProgress} in progress, ${view.counts.Pending} pending` +
      (view.counts.Skipped ? `, ${view.counts.Skipped} skipped` : '') + (view.counts.Stopped ? `, ${view.counts.Stopped} stopped` : ''),
    ...(view.failureReason ? [`  reason: ${view.failureReason}`] : []),
    ...(view.rollbackOf ? [`  rollback of ${view.rollbackOf}`] : []),
    ...(view.rolledBackBy ? [`  rolled back by ${view.rolledBackBy}`] : []),
  ];
  const rows = view.hosts.map((h) => {
    const current = h.events[h.events.length - 1];
    const failed = h.events.find((e) => e.status === 'Failed');
    return [h.instanceName, shortPeer(h.peerId), h.declaredDead ? `${h.status} (declared dead)` : h.status, current ? `${current.event} ${current.status}` : '-', failed ? `${failed.event}: ${failed.errorCode} ${failed.message}`.slice(0, 80) : ''];
  });
  // Traffic-shifting deployments have one pseudo-host; their steps are the story, so list them all.
  const steps = view.computePlatform === undefined ? [] : ['', table(['STEP', 'STATUS', 'AT', 'DETAIL'], view.hosts.flatMap((h) =>
    h.events.map((e) => [e.event, e.status, new Date(e.startedAt).toISOString(), (e.message || (e.errorCode !== 'Success' ? e.errorCode : '')).slice(0, 80)])))];
  const failures = view.hosts.flatMap((h) => h.events.filter((e) => e.status === 'Failed' && e.logTail).map((e) => `--- ${h.instanceName} ${e.event} (${e.errorCode}${e.exitCode !== undefined ? `, exit ${e.exitCode}` : ''}) log tail:\n${e.logTail.trimEnd()}`));
  return [...head, '', table(['HOST', 'PEER', 'STATUS', 'LAST EVENT', 'ERROR'], rows), ...steps, ...(failures.length ? ['', ...failures] : [])].join('\n');
}

export function renderFleet(hosts: readonly HostHealth[]): string {
  const rows = hosts.map((h) => [
    h.instanceName,
    shortPeer(h.peerId),
    h.alive ? 'alive' : 'DOWN',
    `${(h.heartbeatAgeMs / 1000).toFixed(1)}s`,
    Object.entries(h.tags).map(([k, v]) => `${k}=${v}`).join(',') || '-',
    h.revisions.map((r) => `${r.application}/${r.deploymentGroup}@${r.revisionSha256.slice(0, 8)}`).join(' ') || '-',
    h.lastDeployment ? `${h.lastDeployment.deploymentId} ${h.lastDeployment.status}` : '-',
    h.runtime,
  ]);
  const alive = hosts.filter((h) => h.alive).length;
  return `${table(['HOST', 'PEER', 'STATE', 'HEARTBEAT', 'TAGS', 'REVISION', 'LAST DEPLOYMENT', 'RUNTIME'], rows)}\n\n${alive} of ${hosts.length} hosts alive`;
}

/**
 * The warning `deploy create` prints when the request matched hosts the coordinator has not heard from lately:
 * targets are frozen at creation, so those hosts are not part of the deployment.
 */
export function renderUnheard(unheard: readonly { instanceName: string; peerId: string; lastHeardAt: number }[], now: number): string {
  if (unheard.length === 0) return '';
  const names = unheard.map((h) => `${h.instanceName} (${shortPeer(h.peerId)}, last heard ${Math.max(0, Math.round((now - h.lastHeardAt) / 1000))}s ago)`);
  return `warning: ${unheard.length} matching host(s) not heard from recently are NOT targets of this deployment: ${names.join(', ')}.\n`
    + 'They may be down or cut off from the coordinator. Check `convoy fleet health`, then\n'
    + 'deploy to them with a new deployment once they are alive.\n';
}
