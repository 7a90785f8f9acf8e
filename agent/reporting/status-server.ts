// Answers PROTOCOL_STATUS (a deployment's signed intent and this host's signed reports, so anyone can
// learn the outcome from any host, coordinator or not) and PROTOCOL_LOGS (the full hook log).
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { PROTOCOL_LOGS, PROTOCOL_STATUS } from '../../protocol/topics.ts';
import { encodeJsonFrame, serveFrames } from '../network/frames.ts';
import type { FleetNode } from '../network/node.ts';
import type { Journal } from '../state/journal.ts';
import type { AgentLayout } from '../lifecycle/layout.ts';

const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;

export async function serveStatus(node: FleetNode, journal: Journal, layout: AgentLayout, onError: (err: unknown, peer: string) => void): Promise<void> {
  await serveFrames(node, PROTOCOL_STATUS, async function* (request) {
    const id = (request as { deploymentId?: unknown } | null)?.deploymentId;
    if (typeof id !== 'string' || !DEPLOYMENT_ID.test(id)) {
      yield encodeJsonFrame({ ok: false, error: 'request needs a deploymentId like d-XXXXXXXXX' });
      return;
    }
    const record = journal.deployment(id);
    if (record === undefined) {
      yield encodeJsonFrame({ ok: false, error: `deployment ${id} is unknown to this host` });
      return;
    }
    yield encodeJsonFrame({ ok: true, status: record.status, intent: record.intentEnvelope, reports: record.reports });
  }, onError);

  await serveFrames(node, PROTOCOL_LOGS, async function* (request) {
    const id = (request as { deploymentId?: unknown } | null)?.deploymentId;
    const record = typeof id === 'string' && DEPLOYMENT_ID.test(id) ? journal.deployment(id) : undefined;
    if (record === undefined) {
      yield encodeJsonFrame({ ok: false, error: `deployment ${String(id)} is unknown to this host` });
      return;
    }
    const file = layout.deployment(record.intent).logFile;
    const present = await access(file).then(() => true, () => false);
    yield encodeJsonFrame({ ok: true, present });
    if (!present) return;
    for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) yield new Uint8Array(chunk as Buffer);
  }, onError);
}
