import { describe, expect, it } from 'vitest';
import type { LifecycleReport } from '../../protocol/messages/report.ts';
import type { StoredDeployment, StoredReport } from '../store/store.ts';
import { buildDeploymentView } from './deployment-view.ts';

const HOSTS = ['peer-a', 'peer-b', 'peer-c'];

/** A OneAtATime deployment of three hosts: m = 2. Only the fields the view reads. */
function deployment(declaredDead?: string[]): StoredDeployment {
  return {
    intent: {
      deploymentId: 'd-ABCDEFGHI', application: 'app', deploymentGroup: 'g', revision: { sha256: 'f'.repeat(64) }, targets: HOSTS,
      config: { name: 'CodeDeployDefault.OneAtATime', minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 } },
    },
    createdAt: 1,
    ...(declaredDead ? { declaredDead: declaredDead.map((host) => ({ host, at: 2 })) } : {}),
  } as unknown as StoredDeployment;
}

function report(host: string, seq: number, event: string, status: LifecycleReport['status'], hostStatus: LifecycleReport['hostStatus']): StoredReport {
  return { report: { host, seq, event, status, hostStatus, errorCode: 'Success', scriptName: '', message: '', logTail: '', startedAt: seq } } as unknown as StoredReport;
}

const lastWords = [
  report('peer-a', 1, 'BeforeInstall', 'InProgress', 'InProgress'), // killed here
  report('peer-b', 1, 'ValidateService', 'Succeeded', 'Succeeded'),
  report('peer-c', 1, 'ValidateService', 'Succeeded', 'Succeeded'),
];

describe('buildDeploymentView with hosts declared dead', () => {
  it('a host that never reports again holds the deployment open until it is declared dead', () => {
    expect(buildDeploymentView(deployment(), lastWords, []).status).toBe('InProgress');
    const view = buildDeploymentView(deployment(['peer-a']), lastWords, []);
    expect(view.hosts[0]).toMatchObject({ peerId: 'peer-a', status: 'Failed', declaredDead: true });
    expect(view.counts).toMatchObject({ Failed: 1, Succeeded: 2, InProgress: 0 });
    expect(view.status).toBe('Succeeded'); // two successes meet m = 2
  });

  it('a host that had finished keeps its own final status', () => {
    const view = buildDeploymentView(deployment(['peer-b']), lastWords, []);
    expect(view.hosts[1]).toEqual(expect.objectContaining({ status: 'Succeeded' }));
    expect(view.hosts[1]).not.toHaveProperty('declaredDead');
    expect(view.status).toBe('InProgress'); // peer-a has not finished and was not declared dead
  });
});
