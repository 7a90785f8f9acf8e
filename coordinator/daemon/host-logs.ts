// Streams a host's full hook log for a deployment (PROTOCOL_LOGS) into an HTTP response.
import type { ServerResponse } from 'node:http';
import { PROTOCOL_LOGS } from '../../protocol/topics.ts';
import { decodeJsonFrame, requestFrames, type PeerTarget } from '../../agent/network/frames.ts';
import type { FleetNode } from '../../agent/network/node.ts';

export async function streamHostLog(node: FleetNode, host: PeerTarget, deploymentId: string, res: ServerResponse): Promise<void> {
  let header: { ok: boolean; present?: boolean; error?: string } | undefined;
  for await (const frame of requestFrames(node, host, PROTOCOL_LOGS, { deploymentId }, AbortSignal.timeout(30_000))) {
    if (header === undefined) {
      header = decodeJsonFrame(frame) as typeof header;
      if (!header!.ok) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: header!.error }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      continue;
    }
    if (!res.write(frame)) await new Promise((resolve) => res.once('drain', resolve));
  }
  if (header === undefined) throw new Error(`Host ${host.peerId} closed the log stream without an answer`);
  res.end();
}
