// A Lambda/ECS deployment as a DeploymentView, so `deploy get/wait/list` show it like a host deployment:
// one pseudo-host (the alias or the service) whose events are the plugin's steps, hooks and rollback.
import type { HostStatus } from '../../protocol/messages/report.ts';
import type { DeploymentRecord, PlatformEvent } from '../plugins/types.ts';
import type { DeploymentView, EventView } from '../status/deployment-view.ts';
import type { PlatformMeta } from './request.ts';

type MutableEvent = { -readonly [K in keyof EventView]: EventView[K] };

export function platformView(record: DeploymentRecord, meta: PlatformMeta | undefined): DeploymentView {
  const computePlatform = meta?.computePlatform ?? (record.platform === 'ecs' ? 'ECS' : 'Lambda');
  const events = new Map<string, MutableEvent>();
  const open = (name: string, at: number, scriptName = ''): MutableEvent => {
    const e: MutableEvent = { event: name, status: 'InProgress', errorCode: 'Success', scriptName, message: '', logTail: '', startedAt: at };
    events.delete(name);
    events.set(name, e);
    return e;
  };
  const note = (e: MutableEvent | undefined, line: string): void => {
    if (e === undefined) return;
    e.message = line;
    e.logTail = (e.logTail + line + '\n').slice(-4096);
  };
  let current: MutableEvent | undefined;
  let completedAt: number | undefined;
  for (const ev of record.events as PlatformEvent[]) {
    switch (ev.type) {
      case 'step:start':
        current = open(ev.step, ev.at);
        break;
      case 'step:end': {
        const e = events.get(ev.step) ?? open(ev.step, ev.at);
        e.status = ev.status === 'Failed' ? 'Failed' : ev.status;
        e.endedAt = ev.at;
        if (ev.message !== undefined) note(e, ev.message);
        break;
      }
      case 'hook:start':
        note(open(`${ev.hook} hook`, ev.at, ev.functionName), `invoked ${ev.functionName} (execution ${ev.executionId})`);
        break;
      case 'hook:end': {
        const e = events.get(`${ev.hook} hook`) ?? open(`${ev.hook} hook`, ev.at);
        e.status = ev.status;
        e.endedAt = ev.at;
        e.errorCode = ev.status === 'Succeeded' ? 'Success' : ev.reason === 'timeout' ? 'ScriptTimedOut' : ev.reason === 'verdict' ? 'ScriptFailed' : 'UnknownError';
        note(e, ev.reason === 'verdict' ? `hook reported ${ev.status}` : ev.reason === 'timeout' ? 'no verdict before the hook timeout' : 'the hook could not be invoked');
        break;
      }
      case 'traffic:shift':
        note(events.get('AllowTraffic') ?? current, `traffic step ${ev.step + 1}/${ev.steps}: ${ev.percent}% on the new version`);
        break;
      case 'alarm:active':
        note(current, `alarm in ALARM: ${ev.alarms.join(', ')}`);
        break;
      case 'deployment:resume':
        note(current, `resumed after a coordinator restart (phase ${ev.phase}, step ${ev.step})`);
        break;
      case 'rollback:start':
        current = open('Rollback', ev.at);
        break;
      case 'rollback:end': {
        const e = events.get('Rollback') ?? open('Rollback', ev.at);
        e.status = ev.status === 'Succeeded' ? 'Succeeded' : ev.status === 'NotNeeded' ? 'Skipped' : 'Failed';
        if (e.status === 'Failed') e.errorCode = 'UnknownError';
        e.endedAt = ev.at;
        note(e, ev.message ?? (ev.status === 'NotNeeded' ? 'traffic was never moved' : `rollback ${ev.status}`));
        break;
      }
      case 'deployment:end':
        completedAt = ev.at;
        break;
      case 'deployment:start':
        break;
    }
  }
  // A halt ends the open step without a step:end: close it with the deployment's error.
  if (record.status !== 'InProgress') {
    for (const e of events.values()) {
      if (e.status !== 'InProgress') continue;
      e.status = record.status === 'Failed' ? 'Failed' : 'Skipped';
      if (e.status === 'Failed') e.errorCode = 'UnknownError';
      e.endedAt = completedAt ?? record.updatedAt;
      note(e, record.error ? `${record.error.code}: ${record.error.message}` : `deployment ${record.status}`);
    }
  }
  const hostStatus: HostStatus = record.status;
  const counts: Record<HostStatus, number> = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Stopped: 0 };
  counts[hostStatus] = 1;
  const target = meta?.target ?? record.platform;
  const rollbackNote = record.rollback ? ` (rollback ${record.rollback.status}${record.rollback.message ? `: ${record.rollback.message}` : ''})` : '';
  return {
    deploymentId: record.id,
    application: meta?.application ?? '-',
    deploymentGroup: meta?.deploymentGroup ?? '-',
    revision: meta?.revision ?? '-',
    config: meta?.config ?? `CodeDeployDefault.${computePlatform}AllAtOnce`,
    status: record.status,
    createdAt: record.createdAt,
    ...(completedAt !== undefined && record.status !== 'InProgress' ? { completedAt } : {}),
    ...(record.error ? { failureReason: `${record.error.code}: ${record.error.message}${rollbackNote}` } : {}),
    ...(meta?.stopRequested !== undefined ? { stopRequested: true } : {}),
    counts,
    hosts: [{ peerId: `${record.platform}:${target}`, instanceName: target, status: hostStatus, events: [...events.values()] }],
    computePlatform,
    ...(record.rollback ? { rollback: { status: record.rollback.status, ...(record.rollback.message ? { message: record.rollback.message } : {}) } } : {}),
  };
}
