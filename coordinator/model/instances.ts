// The on-premises instance view: agents seen in heartbeats (instance name and tags from the heartbeat)
// merged with what the API recorded (explicit registrations, tags added or removed, deregistrations).
import type { FleetEntry } from '../store/store.ts';
import type { CodeDeployModel } from './model-store.ts';
import type { InstanceRecord, Tag } from './types.ts';
import type { TagMap } from './tag-filters.ts';

export interface InstanceView {
  readonly instanceName: string;
  readonly registered: boolean;
  readonly iamSessionArn?: string;
  readonly iamUserArn?: string;
  readonly registerTime: number;
  readonly deregisterTime?: number;
  readonly tags: TagMap;
  /** Agents currently answering to this name (normally one). */
  readonly peers: readonly FleetEntry[];
}

export function instanceViews(model: CodeDeployModel, fleet: readonly FleetEntry[]): InstanceView[] {
  const byName = new Map<string, FleetEntry[]>();
  for (const f of fleet) {
    const list = byName.get(f.heartbeat.instanceName) ?? [];
    list.push(f);
    byName.set(f.heartbeat.instanceName, list);
  }
  const names = new Set([...byName.keys(), ...Object.keys(model.data.instances)]);
  return [...names].sort().map((name) => instanceView(name, model.instance(name), byName.get(name) ?? []));
}

function instanceView(name: string, record: InstanceRecord | undefined, peers: FleetEntry[]): InstanceView {
  const tags: Record<string, string> = Object.create(null) as Record<string, string>;
  const newest = [...peers].sort((a, b) => b.heartbeat.sentAt - a.heartbeat.sentAt)[0];
  for (const [k, v] of Object.entries(newest?.heartbeat.tags ?? {})) {
    if (!record?.removedAgentTagKeys.includes(k)) tags[k] = v;
  }
  for (const t of record?.tags ?? []) tags[t.Key] = t.Value ?? '';
  const firstSeen = peers.length > 0 ? Math.min(...peers.map((p) => p.receivedAt - p.heartbeat.uptimeMs)) : Date.now();
  return {
    instanceName: name,
    registered: record === undefined ? true : record.deregisterTime === undefined,
    ...(record?.iamSessionArn !== undefined ? { iamSessionArn: record.iamSessionArn } : {}),
    ...(record?.iamUserArn !== undefined ? { iamUserArn: record.iamUserArn } : {}),
    registerTime: record?.registerTime ?? firstSeen,
    ...(record?.deregisterTime !== undefined ? { deregisterTime: record.deregisterTime } : {}),
    tags,
    peers,
  };
}

export function tagList(tags: TagMap): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
