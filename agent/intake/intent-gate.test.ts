import { describe, expect, it } from 'vitest';
import { admitIntent, type GateContext } from './intent-gate.ts';
import { seal, encodeEnvelope } from '../../protocol/signing/envelope.ts';
import { coordinatorSigner, hostSignerForTest } from '../../test/support/keys.ts';
import { sampleIntent } from '../../test/support/intents.ts';

const trusted = coordinatorSigner();
const self = hostSignerForTest().id;
const other = hostSignerForTest().id;

function ctx(over: Partial<GateContext> = {}): GateContext {
  return { trustedCoordinators: new Set([trusted.id]), selfPeerId: self, now: Date.now(), hasSeen: () => false, lastSequence: () => 0, ...over };
}

describe('admitIntent()', () => {
  it('accepts a signed, fresh intent that targets this host', () => {
    const verdict = admitIntent(encodeEnvelope(seal('intent', sampleIntent({ targets: [self, other] }), trusted)), ctx());
    expect(verdict.accept).toBe(true);
  });

  it('rejects an intent signed by an untrusted key (forged)', () => {
    const verdict = admitIntent(encodeEnvelope(seal('intent', sampleIntent({ targets: [self] }), coordinatorSigner())), ctx());
    expect(verdict).toMatchObject({ accept: false, quiet: false, reason: expect.stringMatching(/untrusted key/) });
  });

  it('rejects a tampered intent', () => {
    const env = seal('intent', sampleIntent({ targets: [self] }), trusted);
    const payload = Buffer.from(env.payload, 'base64').toString().replace('"group"', '"evil!"');
    const verdict = admitIntent(Buffer.from(JSON.stringify({ ...env, payload: Buffer.from(payload).toString('base64') })), ctx());
    expect(verdict).toMatchObject({ accept: false, reason: expect.stringMatching(/does not verify/) });
  });

  it('rejects an expired intent', () => {
    const verdict = admitIntent(encodeEnvelope(seal('intent', sampleIntent({ targets: [self], createdAt: 1, expiresAt: 2 }), trusted)), ctx());
    expect(verdict).toMatchObject({ accept: false, reason: expect.stringMatching(/expired/) });
  });

  it('drops a replay of a deployment already received', () => {
    const verdict = admitIntent(encodeEnvelope(seal('intent', sampleIntent({ targets: [self] }), trusted)), ctx({ hasSeen: () => true }));
    expect(verdict).toMatchObject({ accept: false, quiet: true, reason: expect.stringMatching(/replay/) });
  });

  it('rejects a group sequence that is not newer than the last applied', () => {
    const verdict = admitIntent(encodeEnvelope(seal('intent', sampleIntent({ targets: [self], groupSequence: 3 }), trusted)), ctx({ lastSequence: () => 3 }));
    expect(verdict).toMatchObject({ accept: false, reason: expect.stringMatching(/not newer than 3/) });
  });

  it('ignores intents for other hosts quietly', () => {
    const verdict = admitIntent(encodeEnvelope(seal('intent', sampleIntent({ targets: [other] }), trusted)), ctx());
    expect(verdict).toMatchObject({ accept: false, quiet: true, reason: expect.stringMatching(/not a target/) });
  });

  it('rejects a malformed intent with the field named', () => {
    const verdict = admitIntent(encodeEnvelope(seal('intent', { ...sampleIntent({ targets: [self] }), groupSequence: -1 }, trusted)), ctx());
    expect(verdict).toMatchObject({ accept: false, reason: expect.stringMatching(/groupSequence/) });
  });

  it('rejects garbage bytes', () => {
    expect(admitIntent(new Uint8Array([1, 2, 3]), ctx())).toMatchObject({ accept: false, reason: expect.stringMatching(/not UTF-8 JSON/) });
  });
});
