// Latest download progress per (deployment, host), from signed `progress` messages on the reports topic.
// Kept in memory only: it is advisory and superseded every second while a download runs.
import { openEnvelope } from '../../protocol/signing/envelope.ts';
import { decodeProgress, type DownloadProgress } from '../../protocol/messages/progress.ts';
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';
import type { DeploymentView } from '../status/deployment-view.ts';

export class ProgressBoard {
  private readonly latest = new Map<string, DownloadProgress>();

  constructor(private readonly intentOf: (deploymentId: string) => DeploymentIntent | undefined) {}

  /** Takes a reports-topic message if it is a progress envelope (returns true, valid or not); false otherwise. */
  offer(data: Uint8Array): boolean {
    let kind: unknown;
    try {
      kind = (JSON.parse(new TextDecoder().decode(data)) as { kind?: unknown }).kind;
    } catch {
      return false;
    }
    if (kind !== 'progress') return false;
    try {
      const opened = openEnvelope(data, 'progress');
      const p = decodeProgress(opened.payload);
      if (opened.signer !== p.host) return true;
      const intent = this.intentOf(p.deploymentId);
      if (intent === undefined || !intent.targets.includes(p.host)) return true;
      const key = `${p.deploymentId}\n${p.host}`;
      const previous = this.latest.get(key);
      if (previous === undefined || previous.sentAt <= p.sentAt) this.latest.set(key, p);
    } catch {
      // A forged or malformed progress message: dropped.
    }
    return true;
  }

  /** Adds `download: {bytes, total, peers}` to each host of the view that reported progress. */
  decorate(view: DeploymentView): DeploymentView {
    return {
      ...view,
      hosts: view.hosts.map((h) => {
        const p = this.latest.get(`${view.deploymentId}\n${h.peerId}`);
        return p === undefined ? h : { ...h, download: { bytes: p.bytes, total: p.total, peers: p.peers } };
      }),
    };
  }
}
