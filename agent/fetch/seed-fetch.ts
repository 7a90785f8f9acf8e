// Whole-bundle fetch from seed peers over PROTOCOL_FETCH. The first frame of a response is a JSON header
// ({ ok, size } or { ok: false, error }); the rest are raw data frames. The bundle is hashed as it streams
// to a temp file and renamed into place only when the SHA-256 and size match the signed intent.
import { PROTOCOL_FETCH } from '../../protocol/topics.ts';
import type { RevisionRef } from '../../protocol/messages/intent.ts';
import { decodeJsonFrame, requestFrames } from '../network/frames.ts';
import type { FleetNode } from '../network/node.ts';
import { RevisionFetchError, type FetchProgress, type RevisionSource } from './revision-source.ts';
import { writeVerifiedBundle } from './verified-bundle.ts';

export interface FetchRequest {
  readonly sha256: string;
}

export type FetchHeader = { readonly ok: true; readonly size: number } | { readonly ok: false; readonly error: string };

/** Pause between rounds over all known holders, doubling up to the maximum. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

/**
 * Asks the intent's seeds first, then the deployment's other hosts (they serve what they hold), in
 * rounds until one serves the whole verified bundle or the deadline passes: the coordinator may be gone.
 */
export function seedFetchSource(node: FleetNode): RevisionSource {
  return {
    async fetch(revision, destFile, onProgress, signal, hints) {
      if (revision.source.kind !== 'seed') throw new RevisionFetchError(`seed fetch cannot read a ${revision.source.kind} revision`);
      const self = node.peerId.toString();
      const seeds = revision.source.peers;
      const holders = [
        ...seeds,
        ...(hints?.peers ?? []).filter((p) => p !== self && !seeds.some((s) => s.peerId === p)).map((peerId) => ({ peerId, addrs: [] })),
      ];
      const deadline = hints?.deadline ?? 0;
      let failures: string[] = [];
      for (let pause = RETRY_MIN_MS; ; pause = Math.min(pause * 2, RETRY_MAX_MS)) {
        failures = [];
        for (const holder of holders) {
          try {
            await fetchFromPeer(node, holder, revision, destFile, onProgress, signal);
            return;
          } catch (err) {
            if (signal.aborted) throw err;
            failures.push(`${holder.peerId.slice(-8)}: ${(err as Error).message}`);
          }
        }
        if (Date.now() + pause > deadline) break;
        await sleep(pause, signal);
      }
      throw new RevisionFetchError(`no seed or host could serve revision ${revision.sha256.slice(0, 12)}: ${failures.join('; ')}`);
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

async function fetchFromPeer(
  node: FleetNode,
  seed: { peerId: string; addrs?: readonly string[] },
  revision: RevisionRef,
  destFile: string,
  onProgress: (p: FetchProgress) => void,
  signal: AbortSignal,
): Promise<void> {
  await writeVerifiedBundle(revision, destFile, 'seed', async (write) => {
    let header: FetchHeader | undefined;
    for await (const frame of requestFrames(node, { peerId: seed.peerId, addrs: seed.addrs ?? [] }, PROTOCOL_FETCH, { sha256: revision.sha256 } satisfies FetchRequest, signal)) {
      if (header === undefined) {
        header = decodeJsonFrame(frame) as FetchHeader;
        if (!header.ok) throw new RevisionFetchError(`seed refused: ${header.error}`);
        if (header.size !== revision.size) throw new RevisionFetchError(`seed offers ${header.size} bytes, the intent says ${revision.size}`);
        continue;
      }
      onProgress({ bytes: await write(frame), total: revision.size, peers: 1 });
    }
    if (header === undefined) throw new RevisionFetchError('seed closed the stream without a header');
  });
}
