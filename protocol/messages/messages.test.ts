import { describe, expect, it } from 'vitest';
import { decodeIntent, decodeReport, decodeHeartbeat, MessageError } from './index.ts';
import { sampleIntent } from '../../test/support/intents.ts';
import { hostSignerForTest } from '../../test/support/keys.ts';

const peer = hostSignerForTest().id;

describe('decodeIntent()', () => {
  it('accepts a well-formed intent', () => {
    expect(decodeIntent(sampleIntent({ targets: [peer] })).deploymentId).toBe('d-ABCDEFGH1');
  });

  it.each([
    ['an unknown version', { v: 2 }, /unsupported version 2/],
    ['a wrong type', { type: 'report' }, /field "type" is "report"/],
    ['a bad deployment id', { deploymentId: 'x' }, /field "deploymentId" must look like d-XXXXXXXXX/],
    ['no targets', { targets: [] }, /field "targets"/],
    ['a non-peer-id target', { targets: ['bob'] }, /field "targets.0" must be an Ed25519 libp2p peer id/],
    ['a zero group sequence', { groupSequence: 0 }, /field "groupSequence"/],
    ['a bad bundle type', { revision: { ...sampleIntent({ targets: [peer] }).revision, bundleType: 'rar' } }, /field "revision.bundleType"/],
    ['a bad file_exists_behavior', { fileExistsBehavior: 'overwrite' }, /field "fileExistsBehavior"/],
    ['an expiry before creation', { createdAt: 10, expiresAt: 5 }, /field "expiresAt" must be after createdAt/],
    ['an unknown field', { extra: 1 }, /Unrecognized key|unrecognized/i],
    ['an appspec name with a slash', { appspecFileName: '../appspec.yml' }, /field "appspecFileName" must be a file name/],
  ])('rejects %s, naming the field', (_name, change, reason) => {
    const bad = { ...sampleIntent({ targets: [peer] }), ...change };
    expect(() => decodeIntent(bad)).toThrow(MessageError);
    expect(() => decodeIntent(bad)).toThrow(reason);
  });

  it('rejects non-objects', () => {
    expect(() => decodeIntent(null)).toThrow(/not an object/);
    expect(() => decodeIntent([1])).toThrow(/not an object/);
  });
});

describe('decodeReport() / decodeHeartbeat()', () => {
  const report = {
    type: 'report', v: 1, deploymentId: 'd-ABCDEFGH1', host: peer, seq: 0, event: 'BeforeInstall', status: 'Failed',
    errorCode: 'ScriptFailed', exitCode: 3, scriptName: 'x.sh', message: 'failed', logTail: 'boom', startedAt: 1, endedAt: 2, hostStatus: 'Failed',
  };

  it('accepts a report and rejects an unknown error code', () => {
    expect(decodeReport(report).errorCode).toBe('ScriptFailed');
    expect(() => decodeReport({ ...report, errorCode: 'Oops' })).toThrow(/field "errorCode"/);
  });

  it('rejects a report of an unknown version', () => {
    expect(() => decodeReport({ ...report, v: 7 })).toThrow(/unsupported version 7/);
  });

  it('accepts a heartbeat and rejects bad tags', () => {
    const hb = { type: 'heartbeat', v: 1, host: peer, instanceName: 'h', tags: { env: 'prod' }, agentVersion: '1', runtime: 'node', addrs: [], revisions: [], uptimeMs: 1, sentAt: 1 };
    expect(decodeHeartbeat(hb).tags).toEqual({ env: 'prod' });
    expect(() => decodeHeartbeat({ ...hb, tags: { env: 5 } })).toThrow(/field "tags.env"/);
  });
});
