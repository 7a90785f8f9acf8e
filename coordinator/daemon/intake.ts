// Verifies gossip the coordinator listens to: reports must be signed by the host they speak for and
// belong to a deployment this coordinator knows and targeted that host; heartbeats must be self-signed.
import { openEnvelope, type SignedEnvelope } from '../../protocol/signing/envelope.ts';
import { decodeReport, type LifecycleReport } from '../../protocol/messages/report.ts';
import { decodeHeartbeat, type Heartbeat } from '../../protocol/messages/heartbeat.ts';
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';

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

export function verifyHeartbeat(data: Uint8Array): Heartbeat {
  const opened = openEnvelope(data, 'heartbeat');
  const heartbeat = decodeHeartbeat(opened.payload);
  if (opened.signer !== heartbeat.host) throw new RejectedMessage(`heartbeat for ${heartbeat.host} is signed by ${opened.signer}`);
  return heartbeat;
}
