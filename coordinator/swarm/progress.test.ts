import { describe, expect, it } from 'vitest';
import { encodeEnvelope, seal, type Signer } from '../../protocol/signing/envelope.ts';
import { hostSignerForTest } from '../../test/support/keys.ts';
import { sampleIntent } from '../../test/support/intents.ts';
import type { DeploymentView, HostView } from '../status/deployment-view.ts';
import { ProgressBoard } from './progress.ts';

const hostA = hostSignerForTest();
const hostB = hostSignerForTest();
const outsider = hostSignerForTest();
const intent = sampleIntent({ targets: [hostA.id, hostB.id] });

function progress(signer: Signer, fields: { host?: string; bytes: number; sentAt: number; peers?: number; deploymentId?: string }): Uint8Array {
  const payload = {
    type: 'progress', v: 1, host: fields.host ?? signer.id, deploymentId: fields.deploymentId ?? intent.deploymentId,
    bytes: fields.bytes, total: 1000, peers: fields.peers ?? 2, sentAt: fields.sentAt,
  };
  return encodeEnvelope(seal('progress', payload, signer));
}

const view = {
  deploymentId: intent.deploymentId,
  hosts: [hostA.id, hostB.id].map((peerId) => ({ peerId, instanceName: peerId, status: 'InProgress', events: [] }) as HostView),
} as unknown as DeploymentView;

const downloads = (board: ProgressBoard): unknown[] => board.decorate(view).hosts.map((h) => h.download);

describe('ProgressBoard: download progress per host for `convoy deploy wait`', () => {
  it('shows each target host\'s latest bytes, total and peers, by the time the host sent them', () => {
    const board = new ProgressBoard((id) => (id === intent.deploymentId ? intent : undefined));
    expect(board.offer(progress(hostA, { bytes: 500, sentAt: 2000, peers: 3 }))).toBe(true);
    expect(board.offer(progress(hostA, { bytes: 100, sentAt: 1000 }))).toBe(true); // older, arrived late
    expect(downloads(board)).toEqual([{ bytes: 500, total: 1000, peers: 3 }, undefined]);
    board.offer(progress(hostB, { bytes: 1000, sentAt: 3000, peers: 0 }));
    expect(downloads(board)).toEqual([{ bytes: 500, total: 1000, peers: 3 }, { bytes: 1000, total: 1000, peers: 0 }]);
  });

  it('drops progress signed for another host, from a host not targeted, for an unknown deployment, or malformed', () => {
    const board = new ProgressBoard((id) => (id === intent.deploymentId ? intent : undefined));
    expect(board.offer(progress(outsider, { host: hostA.id, bytes: 900, sentAt: 1 }))).toBe(true); // forged author
    expect(board.offer(progress(outsider, { bytes: 900, sentAt: 1 }))).toBe(true); // not a target
    expect(board.offer(progress(hostA, { bytes: 900, sentAt: 1, deploymentId: 'd-UNKNOWN01' }))).toBe(true);
    expect(board.offer(progress(hostA, { bytes: 2000, sentAt: 1 }))).toBe(true); // more bytes than the total
    expect(downloads(board)).toEqual([undefined, undefined]);
  });

  it('leaves anything that is not a progress envelope to the report intake', () => {
    const board = new ProgressBoard(() => intent);
    expect(board.offer(new TextEncoder().encode('not json'))).toBe(false);
    expect(board.offer(encodeEnvelope(seal('report', { anything: 1 }, hostA)))).toBe(false);
  });
});
