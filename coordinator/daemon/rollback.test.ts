import { describe, expect, it } from 'vitest';
import type { StoredDeployment } from '../store/store.ts';
import { rollbackRequest } from './rollback.ts';

let clock = 0;

/** A finished deployment of group `group` (its id stands for the group's), with only the fields the rule reads. */
function deployment(id: string, revision: string, fields: Partial<StoredDeployment> & { group?: string } = {}): StoredDeployment {
  const { group = 'web', ...rest } = fields;
  clock += 1;
  return {
    intent: {
      deploymentId: id, application: 'app', deploymentGroup: group, deploymentGroupId: `id-${group}`,
      revision: { sha256: revision }, targets: ['peer-a', 'peer-b'], fileExistsBehavior: 'RETAIN',
      ignoreApplicationStopFailures: true, config: { name: 'CodeDeployDefault.OneAtATime' },
    },
    createdAt: clock,
    ...rest,
  } as unknown as StoredDeployment;
}

describe('rollbackRequest (CodeDeploy §7)', () => {
  const good = deployment('d-GOOD00001', 'rev-good', { finalStatus: 'Succeeded' });
  const otherGroup = deployment('d-OTHER0001', 'rev-other', { finalStatus: 'Succeeded', group: 'db' });

  it('a failure with DEPLOYMENT_FAILURE redeploys the group\'s last successful revision to the same hosts, linked', () => {
    const failed = deployment('d-FAILED001', 'rev-bad', { finalStatus: 'Failed', autoRollbackEvents: ['DEPLOYMENT_FAILURE'] });
    expect(rollbackRequest(failed, [good, otherGroup, failed])).toMatchObject({
      deploymentGroup: 'web', revision: 'rev-good', targetPeerIds: ['peer-a', 'peer-b'], rollbackOf: 'd-FAILED001',
      fileExistsBehavior: 'RETAIN', ignoreApplicationStopFailures: true, config: 'CodeDeployDefault.OneAtATime',
    });
  });

  it('takes the latest success before the failed deployment, never one of another group or a later one', () => {
    const newer = deployment('d-GOOD00002', 'rev-newer', { finalStatus: 'Succeeded' });
    const failed = deployment('d-FAILED002', 'rev-bad', { finalStatus: 'Failed', autoRollbackEvents: ['DEPLOYMENT_FAILURE'] });
    const later = deployment('d-GOOD00003', 'rev-later', { finalStatus: 'Succeeded' });
    const laterOther = deployment('d-OTHER0002', 'rev-other2', { finalStatus: 'Succeeded', group: 'db' });
    expect(rollbackRequest(failed, [good, newer, failed, later, laterOther])?.revision).toBe('rev-newer');
  });

  it('a stop rolls back when the stop asked for it or DEPLOYMENT_STOP_ON_REQUEST is set', () => {
    const stop = (rollback: boolean, events: StoredDeployment['autoRollbackEvents'] = []) =>
      deployment('d-STOPPED01', 'rev-bad', { finalStatus: 'Stopped', stopRequested: { at: 1, rollback }, autoRollbackEvents: events });
    expect(rollbackRequest(stop(true), [good])?.revision).toBe('rev-good');
    expect(rollbackRequest(stop(false, ['DEPLOYMENT_STOP_ON_REQUEST']), [good])?.revision).toBe('rev-good');
    expect(rollbackRequest(stop(false), [good])).toBeUndefined();
    expect(rollbackRequest(stop(false, ['DEPLOYMENT_FAILURE']), [good])).toBeUndefined();
  });

  it('no rollback without a matching event, without an earlier success, or once one was created', () => {
    expect(rollbackRequest(deployment('d-FAILED003', 'rev-bad', { finalStatus: 'Failed' }), [good])).toBeUndefined();
    expect(rollbackRequest(deployment('d-FAILED004', 'rev-bad', { finalStatus: 'Failed', autoRollbackEvents: ['DEPLOYMENT_STOP_ON_REQUEST'] }), [good])).toBeUndefined();
    expect(rollbackRequest(deployment('d-FAILED005', 'rev-bad', { finalStatus: 'Failed', autoRollbackEvents: ['DEPLOYMENT_FAILURE'], group: 'new' }), [good])).toBeUndefined();
    expect(rollbackRequest(deployment('d-FAILED006', 'rev-bad', { finalStatus: 'Failed', autoRollbackEvents: ['DEPLOYMENT_FAILURE'], rolledBackBy: 'd-ROLLBACK1' }), [good])).toBeUndefined();
    expect(rollbackRequest(deployment('d-OK0000001', 'rev-ok', { finalStatus: 'Succeeded', autoRollbackEvents: ['DEPLOYMENT_FAILURE'] }), [good])).toBeUndefined();
  });
});
