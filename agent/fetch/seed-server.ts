// Serves whole bundles over PROTOCOL_FETCH to any peer that asks by content hash. Used by the coordinator
// (its revision store is the air-gapped origin) and by hosts that hold a revision.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PROTOCOL_FETCH } from '../../protocol/topics.ts';
import { encodeJsonFrame, serveFrames } from '../network/frames.ts';
import type { FleetNode } from '../network/node.ts';
import type { FetchHeader } from './seed-fetch.ts';

/** Data frames are 256 KiB: large enough for throughput, small enough to keep memory flat. */
const DATA_FRAME_BYTES = 256 * 1024;

export type BundleLocator = (sha256: string) => Promise<string | undefined>;

export async function serveBundles(node: FleetNode, locate: BundleLocator, onError: (err: unknown, peer: string) => void): Promise<void> {
  await serveFrames(node, PROTOCOL_FETCH, (request) => respond(request, locate), onError);
}

async function* respond(request: unknown, locate: BundleLocator): AsyncGenerator<Uint8Array> {
  const sha256 = (request as { sha256?: unknown } | null)?.sha256;
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
    yield encodeJsonFrame({ ok: false, error: 'request needs a hex sha256' } satisfies FetchHeader);
    return;
  }
  const file = await locate(sha256);
  if (file === undefined) {
    yield encodeJsonFrame({ ok: false, error: `revision ${sha256} is not held here` } satisfies FetchHeader);
    return;
  }
  const { size } = await stat(file);
  yield encodeJsonFrame({ ok: true, size } satisfies FetchHeader);
  for await (const chunk of createReadStream(file, { highWaterMark: DATA_FRAME_BYTES })) {
    yield new Uint8Array(chunk as Buffer);
  }
}
