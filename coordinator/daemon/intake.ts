// Verifies gossip the coordinator listens to: reports must be signed by the host they speak for and
// belong to a deployment this coordinator knows and targeted that host; heartbeats must be self-signed.
import { openEnvelope, type SignedEnvelope } from '../../protocol/signing/envelope.ts';
import { decodeReport, type LifecycleReport } from '../../protocol/messages/report.ts';
import { decodeHeartbeat, type Heartbeat } from '../../protocol/messages/heartbeat.ts';
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';
import { decodeReportBatch, isReportBatch } from '../../protocol/messages/report-batch.ts';

export class RejectedMessage extends Error {
  override readonly name = 'RejectedMessage';
}

export function verifyReport(data: Uint8Array | string, intentOf: (id: string) => DeploymentIntent | undefined): { report: LifecycleReport; envelope: SignedEnvelope } {
  const opened = openEnvelope(data, 'report');
  const report = decodeReport(opened.payload);
  if (opened.signer !== report.host) {
    throw new RejectedMessage(`report for host ${report.host} is signed by ${opened.signer}`);
  }
  const intent = intentOf(report.deploymentId);
  if (intent === undefined) throw new RejectedMessage(`report for unknown deployment ${report.deploymentId}`);
  if (!intent.targets.includes(report.host)) throw new RejectedMessage(`host ${report.host} is not a target of ${report.deploymentId}`);
  return { report, envelope: opened.envelope };
}

/**
 * The report envelopes a reports-topic message carries: a host's batch (report-batch.ts), or one envelope
 * gossiped alone (agents before batching). Throws RejectedMessage when a batch is malformed; each
 * envelope is still to be verified (verifyReport).
 */
export function reportEnvelopesOf(data: Uint8Array): (Uint8Array | string)[] {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return [data]; // not JSON: verifyReport names the problem
  }
  if (!isReportBatch(value)) return [data];
  try {
    return decodeReportBatch(value).reports.map((envelope) => JSON.stringify(envelope));
  } catch (err) {
    throw new RejectedMessage((err as Error).message);
  }
}

export function verifyHeartbeat(data: Uint8Array): Heartbeat {
  const opened = openEnvelope(data, 'heartbeat');
  const heartbeat = decodeHeartbeat(opened.payload);
  if (opened.signer !== heartbeat.host) throw new RejectedMessage(`heartbeat for ${heartbeat.host} is signed by ${opened.signer}`);
  return heartbeat;
}
