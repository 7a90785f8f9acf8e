// Asks hosts for what they know of a deployment over PROTOCOL_STATUS (their signed intent and reports): the
// daemon's reconcile uses it to fill gaps gossip left, and the CLI uses it when no daemon is running, so an
// operator learns the outcome from the fleet itself with the coordinator gone.
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Logger } from 'pino';
import { PROTOCOL_STATUS } from '../../protocol/topics.ts';
import { createFleetNode, type FleetNode } from '../../agent/network/node.ts';
import { decodeJsonFrame, requestFrames } from '../../agent/network/frames.ts';
import type { CoordinatorStore, StoredDeployment } from '../store/store.ts';
import { ReportIntake } from './report-intake.ts';

const PULL_TIMEOUT_MS = 5000;

/** One host's signed reports for `deploymentId`, handed to `record` (which verifies them). */
export async function pullReports(node: FleetNode, host: string, addrs: readonly string[], deploymentId: string, record: (data: readonly string[]) => Promise<void>): Promise<void> {
  const signal = AbortSignal.timeout(PULL_TIMEOUT_MS);
  for await (const frame of requestFrames(node, { peerId: host, addrs }, PROTOCOL_STATUS, { deploymentId }, signal)) {
    const answer = decodeJsonFrame(frame) as { ok: boolean; reports?: unknown[] };
    await record((answer.reports ?? []).map((envelope) => JSON.stringify(envelope)));
    return;
  }
}

/**
 * Asks every target host the store has an address for, from a short-lived node of its own, and stores the
 * reports that verify against the deployment's intent. A host that does not answer is logged and skipped.
 */
export async function pullFromFleet(store: CoordinatorStore, d: StoredDeployment, logger: Logger): Promise<void> {
  const id = d.intent.deploymentId;
  const hosts = store.fleetEntries().filter((f) => d.intent.targets.includes(f.heartbeat.host) && f.heartbeat.addrs.length > 0);
  if (hosts.length === 0) return;
  const node = await createFleetNode({ privateKey: await generateKeyPair('Ed25519'), listen: [], bootstrap: [], sharedAddresses: ['/ip4/127.0.0.1'] });
  try {
    const intake = new ReportIntake({ store, intentOf: (x) => (x === id ? d.intent : undefined), logger, onNewReports: async () => {} });
    await Promise.all(hosts.map(({ heartbeat: hb }) => pullReports(node, hb.host, hb.addrs, id, (items) => intake.record(items)).catch(
      (err: unknown) => logger.debug({ host: hb.host, reason: (err as Error).message }, 'host did not answer a status request'),
    )));
  } finally {
    await node.stop();
  }
}
