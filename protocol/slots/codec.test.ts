import { describe, expect, it } from 'vitest';
import { decodeDurable, decodeMessage, encodeDurable, encodeMessage } from './codec.ts';
import type { DurableState, SlotMessage } from './types.ts';

const b = { round: 3, nodeId: 'peerA' };
const base = { deployment: 'd-1', slot: 0, entry: 2 };
const enc = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
const reason = (x: unknown) => {
  const d = decodeMessage(enc(x));
  return d.ok ? 'ok' : d.reason;
};

describe('codec', () => {
  it('round-trips every message type', () => {
    const msgs: SlotMessage[] = [
      { type: 'prepare', ...base, ballot: b },
      { type: 'promise', ...base, ballot: b, accepted: null },
      { type: 'promise', ...base, ballot: b, accepted: { ballot: b, value: { kind: 'grant', host: 'peerB' } } },
      { type: 'accept', ...base, ballot: b, value: { kind: 'close' } },
      { type: 'accepted', ...base, ballot: b },
      { type: 'nack', ...base, ballot: b, promised: { round: 9, nodeId: 'peerC' } },
      { type: 'chosen', ...base, entry: 3, value: { kind: 'burn', host: 'peerB' } },
      { type: 'chosen', ...base, value: { kind: 'grant', host: 'peerB' }, prior: { kind: 'release', host: 'peerA', next: 'peerB' } },
      { type: 'query', deployment: 'd-1', known: [0, 4, 7] },
      { type: 'handoff', ...base, entry: 3, value: { kind: 'release', host: 'peerA', next: 'peerB' } },
      { type: 'handoff', ...base, entry: 3, value: { kind: 'release', host: 'peerA', next: 'peerB' }, opened: { kind: 'grant', host: 'peerA' }, prior: { kind: 'release', host: 'peerC', next: 'peerA' } },
      { type: 'reserve', ...base, ballot: { round: 0, nodeId: 'peerB' }, value: { kind: 'grant', host: 'peerB' } },
      { type: 'accepted', ...base, ballot: { round: 0, nodeId: 'peerB' }, prior: { ballot: { round: 0, nodeId: 'peerA' }, value: { kind: 'release', host: 'peerA', next: 'peerB' } } },
    ];
    for (const m of msgs) expect(decodeMessage(encodeMessage(m))).toEqual({ ok: true, value: m });
  });
  it('rejects malformed input with a reason', () => {
    expect(decodeMessage(new Uint8Array([0xff, 0xfe]))).toEqual({ ok: false, reason: 'not UTF-8 JSON' });
    expect(reason([])).toBe('message must be an object');
    expect(reason({ type: 'bogus', ...base })).toMatch(/unknown message type/);
    expect(reason({ type: 'prepare', ...base })).toMatch(/missing field "ballot"/);
    expect(reason({ type: 'prepare', ...base, ballot: b, extra: 1 })).toMatch(/unexpected field "extra"/);
    expect(reason({ type: 'prepare', ...base, slot: -1, ballot: b })).toMatch(/slot must be an integer/);
    expect(reason({ type: 'prepare', ...base, entry: 1.5, ballot: b })).toMatch(/entry must be an integer/);
    expect(reason({ type: 'prepare', ...base, ballot: { round: '1', nodeId: 'x' } })).toMatch(/round/);
    expect(reason({ type: 'prepare', ...base, deployment: '', ballot: b })).toMatch(/deployment/);
    expect(reason({ type: 'prepare', ...base, deployment: 'has space', ballot: b })).toMatch(/printable/);
    expect(reason({ type: 'accept', ...base, ballot: b, value: { kind: 'grant' } })).toMatch(/missing field "host"/);
    expect(reason({ type: 'accept', ...base, ballot: b, value: { kind: 'steal', host: 'x' } })).toMatch(/kind is unknown/);
    expect(reason({ type: 'accept', ...base, ballot: b, value: { kind: 'release', host: 'x' } })).toMatch(/does not fit entry 2/);
    expect(reason({ type: 'chosen', ...base, entry: 3, value: { kind: 'close' } })).toMatch(/close only opens/);
    expect(reason({ type: 'query', deployment: 'd', known: [-1] })).toMatch(/known\[0\]/);
    expect(reason({ type: 'promise', ...base, ballot: b })).toMatch(/missing field "accepted"/);
    expect(reason({ type: 'handoff', ...base, entry: 3, value: { kind: 'release', host: 'x' } })).toMatch(/release that names next/);
    expect(reason({ type: 'handoff', ...base, entry: 3, value: { kind: 'burn', host: 'x' } })).toMatch(/release that names next/);
    expect(reason({ type: 'handoff', ...base, value: { kind: 'grant', host: 'x' } })).toMatch(/release that names next/);
    const handoff = { type: 'handoff', ...base, entry: 3, value: { kind: 'release', host: 'x', next: 'y' } };
    expect(reason({ ...handoff, opened: { kind: 'grant', host: 'z' } })).toMatch(/grant of the releasing host/);
    expect(reason({ ...handoff, opened: { kind: 'close' } })).toMatch(/grant of the releasing host/);
    expect(reason({ ...handoff, prior: { kind: 'release', host: 'w', next: 'x' } })).toMatch(/only with handoff.opened/);
    expect(reason({ ...handoff, opened: { kind: 'grant', host: 'x' }, prior: { kind: 'burn', host: 'w' } })).toMatch(/prior must be a release that names next/);
    expect(reason({ ...handoff, entry: 1, opened: { kind: 'grant', host: 'x' }, prior: { kind: 'release', host: 'w', next: 'x' } })).toMatch(/needs an entry before/);
    const release = { kind: 'release', host: 'peerA', next: 'peerB' };
    expect(reason({ type: 'chosen', ...base, value: { kind: 'grant', host: 'peerB' }, prior: { kind: 'burn', host: 'peerA' } })).toMatch(/prior must be a release that names next/);
    expect(reason({ type: 'chosen', ...base, value: { kind: 'grant', host: 'peerB' }, prior: { kind: 'release', host: 'peerA' } })).toMatch(/prior must be a release that names next/);
    expect(reason({ type: 'chosen', ...base, entry: 0, value: { kind: 'grant', host: 'peerB' }, prior: release })).toMatch(/prior only rides/);
    expect(reason({ type: 'chosen', ...base, entry: 3, value: { kind: 'burn', host: 'peerB' }, prior: release })).toMatch(/prior only rides/);
    expect(reason({ type: 'chosen', ...base, value: { kind: 'grant', host: 'peerB' }, prior: { kind: 'grant', host: 'peerA' } })).toMatch(/does not fit entry 1/);
    const reserve = { type: 'reserve', ...base, ballot: { round: 0, nodeId: 'peerB' }, value: { kind: 'grant', host: 'peerB' } };
    expect(reason({ ...reserve, ballot: { round: 1, nodeId: 'peerB' } })).toMatch(/reserve.ballot.round must be 0/);
    expect(reason({ ...reserve, value: { kind: 'grant', host: 'peerC' } })).toMatch(/grant to the ballot's node/);
    expect(reason({ ...reserve, value: { kind: 'close' } })).toMatch(/grant to the ballot's node/);
    expect(reason({ ...reserve, entry: 0 })).toMatch(/reserve.entry must open a tenure after another/);
    expect(reason({ ...reserve, entry: 3, value: { kind: 'burn', host: 'peerB' } })).toMatch(/reserve.entry must open/);
    const vote = { ballot: b, value: release };
    expect(reason({ type: 'accepted', ...base, entry: 3, ballot: b, prior: vote })).toMatch(/accepted.prior only rides/);
    expect(reason({ type: 'accepted', ...base, ballot: b, prior: { ballot: b, value: { kind: 'grant', host: 'x' } } })).toMatch(/accepted.prior.value: grant does not fit entry 1/);
    expect(reason({ type: 'accepted', ...base, ballot: b, prior: { value: release } })).toMatch(/missing field "ballot"/);
    expect(decodeMessage(new Uint8Array(70 * 1024))).toEqual({ ok: false, reason: 'message too large' });
  });
  it('round-trips and validates durable state', () => {
    const s: DurableState = {
      version: 1,
      acceptor: { '0:2': { promised: b, accepted: { ballot: b, value: { kind: 'grant', host: 'p' } } } },
      log: [[{ kind: 'grant', host: 'p' }, { kind: 'release', host: 'p' }], []],
      maxRound: 3,
      self: { phase: 'ending', slot: 0, entry: 1, value: { kind: 'release', host: 'p' } },
      stopped: false,
      revokes: ['1:0:q'],
    };
    expect(decodeDurable(encodeDurable(s))).toEqual({ ok: true, value: s });
    const ahead: DurableState = { ...s, self: { phase: 'claiming', slot: 0, entry: 2, stale: false, ahead: true } };
    expect(decodeDurable(encodeDurable(ahead))).toEqual({ ok: true, value: ahead });
    expect(decodeDurable(enc({ ...s, self: { phase: 'claiming', slot: 0, entry: 2, stale: false, ahead: false } }))).toMatchObject({ ok: false, reason: expect.stringMatching(/ahead must be true/) });
    const bad = decodeDurable(enc({ ...s, self: { phase: 'flying' } }));
    expect(bad.ok).toBe(false);
    const badLog = decodeDurable(enc({ ...s, log: [[{ kind: 'release', host: 'p' }]] }));
    expect(badLog).toMatchObject({ ok: false, reason: expect.stringMatching(/does not fit entry 0/) });
  });
});
