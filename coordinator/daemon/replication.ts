// "Published" means the fleet can finish without the coordinator: the intent is out AND at least one
// target holds the verified revision, so the others can fetch it from that host. The coordinator asks
// targets over the fetch protocol and stops reading after the header, which says whether they hold it.
import { PROTOCOL_FETCH } from '../../protocol/topics.ts';
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';
import { decodeJsonFrame, requestFrames } from '../../agent/network/frames.ts';
import type { FleetNode } from '../../agent/network/node.ts';
import type { FetchHeader } from '../../agent/fetch/seed-fetch.ts';

const PROBE_TIMEOUT_MS = 2000;
const POLL_MS = 200;

export async function holdsRevision(node: FleetNode, host: { peerId: string; addrs: readonly string[] }, sha256: string): Promise<boolean> {
  try {
    for await (const frame of requestFrames(node, host, PROTOCOL_FETCH, { sha256 }, AbortSignal.timeout(PROBE_TIMEOUT_MS))) {
      return (decodeJsonFrame(frame) as FetchHeader).ok;
    }
  } catch {
    // Unreachable or not holding it yet.
  }
  return false;
}

/** Resolves with the hosts found holding the revision (at least one), or [] when `timeoutMs` passes. */
export async function waitReplicated(
  node: FleetNode,
  intent: DeploymentIntent,
  addrsOf: (peerId: string) => readonly string[],
  timeoutMs: number,
  /** True once waiting is pointless: every host already failed its download, or the deployment ended. */
  hopeless: () => Promise<boolean>,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !(await hopeless())) {
    const holders: string[] = [];
    await Promise.all(intent.targets.map(async (peerId) => {
      if (await holdsRevision(node, { peerId, addrs: addrsOf(peerId) }, intent.revision.sha256)) holders.push(peerId);
    }));
    if (holders.length > 0) return holders.sort();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return [];
}
