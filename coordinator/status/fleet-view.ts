// `convoy fleet health`: every host seen, its tags, revisions, last deployment and whether it is alive.
import type { FleetEntry } from '../store/store.ts';

export interface HostHealth {
  readonly peerId: string;
  readonly instanceName: string;
  readonly alive: boolean;
  readonly heartbeatAgeMs: number;
  readonly tags: Record<string, string>;
  readonly runtime: string;
  readonly addrs: string[];
  readonly agentVersion: string;
  readonly revisions: { application: string; deploymentGroup: string; revisionSha256: string; deploymentId: string }[];
  readonly lastDeployment?: { deploymentId: string; status: string };
  readonly uptimeMs: number;
}

/** A host is alive while its last heartbeat arrived within the alive window. */
export function isAlive(entry: { readonly receivedAt: number }, now: number, aliveWindowMs: number): boolean {
  return now - entry.receivedAt <= aliveWindowMs;
}

export function fleetView(entries: readonly FleetEntry[], now: number, aliveWindowMs: number): HostHealth[] {
  return entries
    .map(({ heartbeat: hb, receivedAt }) => ({
      peerId: hb.host,
      instanceName: hb.instanceName,
      alive: isAlive({ receivedAt }, now, aliveWindowMs),
      heartbeatAgeMs: Math.max(0, now - receivedAt),
      tags: hb.tags,
      runtime: hb.runtime,
      addrs: hb.addrs,
      agentVersion: hb.agentVersion,
      revisions: hb.revisions,
      ...(hb.lastDeployment ? { lastDeployment: hb.lastDeployment } : {}),
      uptimeMs: hb.uptimeMs,
    }))
    .sort((a, b) => a.instanceName.localeCompare(b.instanceName));
}
