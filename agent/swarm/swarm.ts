// One agent's part in revision distribution: the chunk server (every revision it holds, whole or in part),
// the on-disk catalog with retention, the per-host upload/download token buckets, the peer address book
// (from signed heartbeats) and the downloads in progress. `swarmSource` (swarm-source.ts) is the
// RevisionSource DownloadBundle uses.
import type { Logger } from 'pino';
import path from 'node:path';
import { TOPIC_REPORTS } from '../../protocol/topics.ts';
import { encodeEnvelope, seal, type Signer } from '../../protocol/signing/envelope.ts';
import type { Heartbeat } from '../../protocol/messages/heartbeat.ts';
import type { FleetNode } from '../network/node.ts';
import type { FetchProgress } from '../fetch/revision-source.ts';
import type { S3Settings } from '../fetch/s3-origin.ts';
import { RevisionCatalog } from './catalog.ts';
import type { SwarmDownload, SwarmLog } from './download.ts';
import { TokenBucket } from './flow.ts';
import { serveChunks } from './server.ts';

export interface SwarmOptions {
  readonly rootDir: string;
  readonly maxRevisions: number;
  readonly uploadBytesPerSec?: number | undefined;
  readonly downloadBytesPerSec?: number | undefined;
  readonly s3?: S3Settings | undefined;
}

/** Progress messages per deployment: at most one a second, plus the final one. */
const PROGRESS_INTERVAL_MS = 1000;

export class AgentSwarm {
  readonly catalog: RevisionCatalog;
  readonly upload: TokenBucket;
  readonly download: TokenBucket;
  /** Dialable addresses per peer id, learned from verified heartbeats. */
  readonly addrs = new Map<string, readonly string[]>();
  /** Downloads in progress by bundle SHA-256 (inbound sessions for them become peers of the download). */
  readonly active = new Map<string, SwarmDownload>();
  readonly log: SwarmLog;
  private servedBytes = 0;

  private constructor(readonly node: FleetNode, readonly selfId: string, readonly options: SwarmOptions, readonly logger: Logger) {
    this.catalog = new RevisionCatalog(path.join(options.rootDir, 'chunks'));
    this.upload = new TokenBucket(options.uploadBytesPerSec);
    this.download = new TokenBucket(options.downloadBytesPerSec);
    this.log = (level, obj, msg) => logger[level](obj, msg);
  }

  static async start(node: FleetNode, selfId: string, options: SwarmOptions, logger: Logger): Promise<AgentSwarm> {
    const swarm = new AgentSwarm(node, selfId, options, logger.child({ component: 'swarm' }));
    await serveChunks(node, swarm.catalog.locate, {
      upload: swarm.upload,
      log: swarm.log,
      onServed: (_peer, n) => { swarm.servedBytes += n; },
      // A host fetching the same revision from us is a peer for our own download: dial it back.
      onSession: (peer, hello) => swarm.active.get(hello.bundle)?.addPeer(peer),
    });
    return swarm;
  }

  get bytesServed(): number {
    return this.servedBytes;
  }

  /** Publishes signed, rate-limited progress for `deploymentId` on the reports topic. */
  progressPublisher(signer: Signer): (deploymentId: string, p: FetchProgress) => void {
    const last = new Map<string, number>();
    return (deploymentId, p) => {
      const now = Date.now();
      const final = p.bytes >= p.total;
      if (!final && now - (last.get(deploymentId) ?? 0) < PROGRESS_INTERVAL_MS) return;
      last.set(deploymentId, now);
      if (final) last.delete(deploymentId);
      const payload = { type: 'progress', v: 1, host: this.selfId, deploymentId, bytes: p.bytes, total: p.total, peers: p.peers, sentAt: now };
      this.node.services.pubsub.publish(TOPIC_REPORTS, encodeEnvelope(seal('progress', payload, signer))).catch(() => undefined);
    };
  }

  async stop(): Promise<void> {
    await this.catalog.closeAll();
  }

  /** A heartbeat the agent verified: remember where that host can be dialled for chunks. */
  noteHeartbeat(hb: Heartbeat): void {
    if (hb.host === this.selfId) return;
    const usable = hb.addrs.filter((a) => !a.includes('/tcp/0/') && !a.endsWith('/tcp/0'));
    if (usable.length > 0) this.addrs.set(hb.host, usable);
  }
}
