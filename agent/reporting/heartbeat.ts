// Periodic signed heartbeats: who this host is, its tags, the revisions it runs and how it is doing.
import type { Logger } from 'pino';
import { seal, encodeEnvelope, type Signer } from '../../protocol/signing/envelope.ts';
import { HEARTBEAT_VERSION, type Heartbeat } from '../../protocol/messages/heartbeat.ts';
import { TOPIC_HEARTBEATS } from '../../protocol/topics.ts';
import type { Journal } from '../state/journal.ts';

export interface HeartbeatComponents {
  readonly journal: Journal;
  readonly signer: Signer;
  readonly gossip: (topic: string, data: Uint8Array) => Promise<void>;
  readonly addrs: () => string[];
  readonly logger: Logger;
  readonly now: () => number;
}

export interface HeartbeatInit {
  readonly instanceName: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly agentVersion: string;
  readonly runtime: string;
  readonly intervalMs: number;
}

export function buildHeartbeat(init: HeartbeatInit, c: HeartbeatComponents, startedAt: number): Heartbeat {
  const state = c.journal.snapshot;
  const now = c.now();
  return {
    type: 'heartbeat',
    v: HEARTBEAT_VERSION,
    host: c.signer.id,
    instanceName: init.instanceName,
    tags: { ...init.tags },
    agentVersion: init.agentVersion,
    runtime: init.runtime,
    addrs: c.addrs().slice(0, 16),
    revisions: Object.values(state.installed).slice(0, 256).map((r) => ({ ...r })),
    ...(state.lastDeployment ? { lastDeployment: { ...state.lastDeployment } } : {}),
    uptimeMs: Math.max(0, now - startedAt),
    sentAt: now,
  };
}

export interface HeartbeatControl {
  /** Beat now (after a deployment finishes, so observers see the outcome without waiting an interval). */
  beat(): void;
  stop(): void;
}

/** Starts beating at once and then every interval. */
export function startHeartbeats(init: HeartbeatInit, c: HeartbeatComponents): HeartbeatControl {
  const startedAt = c.now();
  const beat = (): void => {
    const envelope = seal('heartbeat', buildHeartbeat(init, c, startedAt), c.signer);
    c.gossip(TOPIC_HEARTBEATS, encodeEnvelope(envelope)).catch((err: unknown) => c.logger.debug({ err }, 'heartbeat not gossiped'));
  };
  beat();
  const timer = setInterval(beat, init.intervalMs);
  timer.unref?.();
  return { beat, stop: () => clearInterval(timer) };
}
