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
 * Asks every target host the store has an address for and stores the reports that verify against the
 * deployment's intent. A host that does not answer is logged and skipped. Without a node, one is started for
 * this pull and stopped after it (`convoy deploy get`).
 */
export async function pullFromFleet(store: CoordinatorStore, d: StoredDeployment, logger: Logger, node?: FleetNode): Promise<void> {
  const id = d.intent.deploymentId;
  const hosts = store.fleetEntries().filter((f) => d.intent.targets.includes(f.heartbeat.host) && f.heartbeat.addrs.length > 0);
  if (hosts.length === 0) return;
  const using = node ?? (await startPullNode());
  try {
    const intake = new ReportIntake({ store, intentOf: (x) => (x === id ? d.intent : undefined), logger, onNewReports: async () => {} });
    await Promise.all(hosts.map(({ heartbeat: hb }) => pullReports(using, hb.host, hb.addrs, id, (items) => intake.record(items)).catch(
      (err: unknown) => logger.debug({ host: hb.host, reason: (err as Error).message }, 'host did not answer a status request'),
    )));
  } finally {
    if (using !== node) await using.stop();
  }
}

/** Between two pulls of one `deploy wait`: the fleet answers each with a stream per host, not a new connection. */
export const PULL_INTERVAL_MS = 2000;

/**
 * The pulls of one `convoy deploy wait` with no daemon running: it polls four times a second, and a node
 * started per poll would make every target host accept a new connection (a Noise handshake) each time. One
 * node, started on first use, is kept until close(), and a poll sooner than PULL_INTERVAL_MS after the last
 * pull reads the store only.
 */
export class FleetPuller {
  private node: Promise<FleetNode> | undefined;
  private lastPullAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = PULL_INTERVAL_MS,
  ) {}

  async pull(store: CoordinatorStore, d: StoredDeployment): Promise<void> {
    if (this.now() - this.lastPullAt < this.intervalMs) return;
    this.lastPullAt = this.now();
    this.node ??= startPullNode();
    await pullFromFleet(store, d, this.logger, await this.node);
  }

  async close(): Promise<void> {
    const node = this.node;
    this.node = undefined;
    if (node !== undefined) await (await node).stop();
  }
}

function startPullNode(): Promise<FleetNode> {
  return generateKeyPair('Ed25519').then((privateKey) => createFleetNode({ privateKey, listen: [], bootstrap: [], sharedAddresses: ['/ip4/127.0.0.1'] }));
}
