// Wire codec for slot messages (JSON in UTF-8) and for the durable state. decode* validates
// every field, rejects unknown fields, and returns a reason instead of throwing.
import type { AcceptedValue, AcceptorRecord, Ballot, DurableState, SelfRecord, SlotMessage, SlotValue } from './types.ts';

export const LIMITS = {
  messageBytesMax: 64 * 1024,
  idLengthMax: 256, // peer ids and deployment ids
  slotsMax: 1_000, // ≤ 1000 instances per deployment, so K ≤ 1000
  entryMax: 2 ** 31 - 1,
  roundMax: Number.MAX_SAFE_INTEGER,
} as const;

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

class Invalid extends Error {}
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeMessage(msg: SlotMessage): Uint8Array {
  return encoder.encode(JSON.stringify(msg));
}

export function decodeMessage(bytes: Uint8Array): Decoded<SlotMessage> {
  if (bytes.byteLength > LIMITS.messageBytesMax) return { ok: false, reason: 'message too large' };
  return guard(() => parseMessage(parseJson(bytes)));
}

/** Validates an already-parsed object (e.g. from a gossip envelope). */
export function parseMessage(raw: unknown): SlotMessage {
  const o = obj(raw, 'message');
  const type = o['type'];
  if (type === 'query') {
    keys(o, ['type', 'deployment', 'known']);
    const known = arr(o['known'], 'known', LIMITS.slotsMax).map((x, i) => int(x, `known[${i}]`, 0, LIMITS.entryMax));
    return { type, deployment: id(o['deployment'], 'deployment'), known };
  }
  const base = { deployment: id(o['deployment'], 'deployment'), slot: int(o['slot'], 'slot', 0, LIMITS.slotsMax - 1), entry: int(o['entry'], 'entry', 0, LIMITS.entryMax) };
  switch (type) {
    case 'prepare':
      keys(o, ['type', 'deployment', 'slot', 'entry', 'ballot']);
      return { type, ...base, ballot: ballot(o['ballot'], 'ballot') };
    case 'promise':
      keys(o, ['type', 'deployment', 'slot', 'entry', 'ballot', 'accepted']);
      return { type, ...base, ballot: ballot(o['ballot'], 'ballot'), accepted: o['accepted'] === null ? null : accepted(o['accepted'], 'accepted') };
    case 'accept':
      keys(o, ['type', 'deployment', 'slot', 'entry', 'ballot', 'value']);
      return { type, ...base, ballot: ballot(o['ballot'], 'ballot'), value: value(o['value'], 'value', base.entry) };
    case 'accepted': {
      if (!('prior' in o)) {
        keys(o, ['type', 'deployment', 'slot', 'entry', 'ballot']);
        return { type, ...base, ballot: ballot(o['ballot'], 'ballot') };
      }
      keys(o, ['type', 'deployment', 'slot', 'entry', 'ballot', 'prior']);
      if (base.entry === 0 || base.entry % 2 !== 0) throw new Invalid('accepted.prior only rides with an entry that opens a tenure after another (even, above 0)');
      return { type, ...base, ballot: ballot(o['ballot'], 'ballot'), prior: accepted(o['prior'], 'accepted.prior', base.entry - 1) };
    }
    case 'reserve': {
      keys(o, ['type', 'deployment', 'slot', 'entry', 'ballot', 'value']);
      if (base.entry === 0 || base.entry % 2 !== 0) throw new Invalid('reserve.entry must open a tenure after another (even, above 0)');
      const b = ballot(o['ballot'], 'ballot');
      if (b.round !== 0) throw new Invalid('reserve.ballot.round must be 0');
      const v = value(o['value'], 'value', base.entry);
      if (v.kind !== 'grant' || v.host !== b.nodeId) throw new Invalid('reserve.value must be a grant to the ballot\'s node');
      return { type, ...base, ballot: b, value: v };
    }
    case 'nack':
      keys(o, ['type', 'deployment', 'slot', 'entry', 'ballot', 'promised']);
      return { type, ...base, ballot: ballot(o['ballot'], 'ballot'), promised: ballot(o['promised'], 'promised') };
    case 'chosen': {
      if (!('prior' in o)) {
        keys(o, ['type', 'deployment', 'slot', 'entry', 'value']);
        return { type, ...base, value: value(o['value'], 'value', base.entry) };
      }
      keys(o, ['type', 'deployment', 'slot', 'entry', 'value', 'prior']);
      if (base.entry === 0 || base.entry % 2 !== 0) throw new Invalid('chosen.prior only rides with an entry that opens a tenure after another (even, above 0)');
      return { type, ...base, value: value(o['value'], 'value', base.entry), prior: releaseNamingNext(o['prior'], 'chosen.prior', base.entry - 1) };
    }
    case 'handoff': {
      keys(o, ['type', 'deployment', 'slot', 'entry', 'value', ...('opened' in o ? ['opened'] : []), ...('prior' in o ? ['prior'] : [])]);
      const v = value(o['value'], 'value', base.entry);
      if (v.kind !== 'release' || v.next === undefined) throw new Invalid('handoff.value must be a release that names next');
      if (!('opened' in o)) {
        if ('prior' in o) throw new Invalid('handoff.prior comes only with handoff.opened');
        return { type, ...base, value: v };
      }
      const opened = value(o['opened'], 'opened', base.entry - 1);
      if (opened.kind !== 'grant' || opened.host !== v.host) throw new Invalid('handoff.opened must be the grant of the releasing host');
      if (!('prior' in o)) return { type, ...base, value: v, opened };
      if (base.entry < 3) throw new Invalid('handoff.prior needs an entry before the grant');
      return { type, ...base, value: v, opened, prior: releaseNamingNext(o['prior'], 'handoff.prior', base.entry - 2) };
    }
    default:
      throw new Invalid(`unknown message type ${JSON.stringify(type)}`);
  }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    throw new Invalid('not UTF-8 JSON');
  }
}

export function encodeDurable(state: DurableState): Uint8Array {
  return encoder.encode(JSON.stringify(state));
}

export function decodeDurable(bytes: Uint8Array): Decoded<DurableState> {
  return guard(() => parseDurable(parseJson(bytes)));
}

export function parseDurable(raw: unknown): DurableState {
  const o = obj(raw, 'state');
  keys(o, ['version', 'acceptor', 'log', 'maxRound', 'self', 'stopped', 'revokes']);
  if (o['version'] !== 1) throw new Invalid('state.version must be 1');
  const acc = obj(o['acceptor'], 'state.acceptor');
  const acceptor: Record<string, AcceptorRecord> = {};
  for (const [key, rec] of Object.entries(acc)) {
    if (!/^\d{1,4}:\d{1,10}$/.test(key)) throw new Invalid(`state.acceptor key ${JSON.stringify(key)} is malformed`);
    const r = obj(rec, `state.acceptor[${key}]`);
    keys(r, ['promised', 'accepted']);
    const entry = Number(key.slice(key.indexOf(':') + 1));
    acceptor[key] = {
      promised: r['promised'] === null ? null : ballot(r['promised'], `state.acceptor[${key}].promised`),
      accepted: r['accepted'] === null ? null : accepted(r['accepted'], `state.acceptor[${key}].accepted`, entry),
    };
  }
  const log = arr(o['log'], 'state.log', LIMITS.slotsMax).map((l, s) =>
    arr(l, `state.log[${s}]`, LIMITS.entryMax).map((v, e) => value(v, `state.log[${s}][${e}]`, e)),
  );
  const revokes = arr(o['revokes'], 'state.revokes', 1024).map((r, i) => {
    const text = str(r, `state.revokes[${i}]`, 3 * LIMITS.idLengthMax);
    if (!/^\d+:\d+:.+$/.test(text)) throw new Invalid(`state.revokes[${i}] is malformed`);
    return text;
  });
  if (typeof o['stopped'] !== 'boolean') throw new Invalid('state.stopped must be a boolean');
  return {
    version: 1,
    acceptor,
    log,
    maxRound: int(o['maxRound'], 'state.maxRound', 0, LIMITS.roundMax),
    self: selfRecord(o['self']),
    stopped: o['stopped'],
    revokes,
  };
}

function selfRecord(raw: unknown): SelfRecord {
  const o = obj(raw, 'state.self');
  const at = () => ({ slot: int(o['slot'], 'state.self.slot', 0, LIMITS.slotsMax - 1), entry: int(o['entry'], 'state.self.entry', 0, LIMITS.entryMax) });
  switch (o['phase']) {
    case 'idle':
    case 'done':
      keys(o, ['phase']);
      return { phase: o['phase'] };
    case 'claiming': {
      const ahead = 'ahead' in o;
      keys(o, ahead ? ['phase', 'slot', 'entry', 'stale', 'ahead'] : ['phase', 'slot', 'entry', 'stale']);
      if (typeof o['stale'] !== 'boolean') throw new Invalid('state.self.stale must be a boolean');
      if (!ahead) return { phase: 'claiming', ...at(), stale: o['stale'] };
      if (o['ahead'] !== true) throw new Invalid('state.self.ahead must be true when present');
      return { phase: 'claiming', ...at(), stale: o['stale'], ahead: true };
    }
    case 'holding':
      keys(o, ['phase', 'slot', 'entry']);
      return { phase: 'holding', ...at() };
    case 'ending': {
      keys(o, ['phase', 'slot', 'entry', 'value']);
      const where = at();
      return { phase: 'ending', ...where, value: value(o['value'], 'state.self.value', where.entry) };
    }
    default:
      throw new Invalid('state.self.phase is unknown');
  }
}

function guard<T>(f: () => T): Decoded<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, reason: e.message };
    throw e;
  }
}

function obj(x: unknown, what: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new Invalid(`${what} must be an object`);
  return x as Record<string, unknown>;
}

function keys(o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new Invalid(`unexpected field ${JSON.stringify(k)}`);
  for (const k of allowed) if (!(k in o)) throw new Invalid(`missing field ${JSON.stringify(k)}`);
}

function arr(x: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(x)) throw new Invalid(`${what} must be an array`);
  if (x.length > max) throw new Invalid(`${what} has more than ${max} items`);
  return x;
}

function int(x: unknown, what: string, min: number, max: number): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min || x > max) {
    throw new Invalid(`${what} must be an integer in [${min}, ${max}]`);
  }
  return x;
}

function str(x: unknown, what: string, max: number): string {
  if (typeof x !== 'string' || x.length === 0 || x.length > max) throw new Invalid(`${what} must be a string of 1–${max} chars`);
  return x;
}

function id(x: unknown, what: string): string {
  const s = str(x, what, LIMITS.idLengthMax);
  if (!/^[\x21-\x7e]+$/.test(s)) throw new Invalid(`${what} must be printable ASCII without spaces`);
  return s;
}

function ballot(x: unknown, what: string): Ballot {
  const o = obj(x, what);
  keys(o, ['round', 'nodeId']);
  return { round: int(o['round'], `${what}.round`, 0, LIMITS.roundMax), nodeId: id(o['nodeId'], `${what}.nodeId`) };
}

function accepted(x: unknown, what: string, entry?: number): AcceptedValue {
  const o = obj(x, what);
  keys(o, ['ballot', 'value']);
  return { ballot: ballot(o['ballot'], `${what}.ballot`), value: value(o['value'], `${what}.value`, entry) };
}

/** A slot value; when `entry` is known, checks it fits the entry (even opens, odd ends a tenure). */
/** A release that hands its slot to a named host: what `prior` carries in `chosen` and `handoff`. */
function releaseNamingNext(x: unknown, what: string, entry: number): SlotValue {
  const v = value(x, what, entry);
  if (v.kind !== 'release' || v.next === undefined) throw new Invalid(`${what} must be a release that names next`);
  return v;
}

function value(x: unknown, what: string, entry?: number): SlotValue {
  const o = obj(x, what);
  const kind = o['kind'];
  if (kind === 'close') {
    keys(o, ['kind']);
    if (entry !== undefined && entry % 2 !== 0) throw new Invalid(`${what}: close only opens a tenure (even entry)`);
    return { kind };
  }
  if (kind !== 'grant' && kind !== 'release' && kind !== 'burn' && kind !== 'yield' && kind !== 'revoke') {
    throw new Invalid(`${what}.kind is unknown`);
  }
  const hasNext = kind === 'release' && 'next' in o; // the releaser's pick for the next grant (fast-path.ts)
  keys(o, hasNext ? ['kind', 'host', 'next'] : ['kind', 'host']);
  if (entry !== undefined && (kind === 'grant') !== (entry % 2 === 0)) {
    throw new Invalid(`${what}: ${kind} does not fit entry ${entry}`);
  }
  const host = id(o['host'], `${what}.host`);
  return hasNext ? { kind, host, next: id(o['next'], `${what}.next`) } : { kind, host };
}
