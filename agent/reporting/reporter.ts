// Signs each lifecycle outcome with the host's peer key, journals it (so status queries can replay it
// after a restart) and hands it to the outbox, which gossips reports in batches (outbox.ts). Gossip is
// best effort: the coordinator also pulls reports over PROTOCOL_STATUS when a heartbeat shows it missed some.
import { seal, type Signer, type SignedEnvelope } from '../../protocol/signing/envelope.ts';
import { FINAL_HOST_STATUSES, LOG_TAIL_MAX_BYTES, REPORT_VERSION, type HostStatus, type LifecycleReport } from '../../protocol/messages/report.ts';
import type { DeploymentRecord, Journal, JournalState } from '../state/journal.ts';


export type ReportFields = Omit<LifecycleReport, 'type' | 'v' | 'deploymentId' | 'host' | 'seq' | 'hostStatus'>;

export type RecordChange = (record: DeploymentRecord, state: JournalState) => void;

export interface PendingReport {
  readonly fields: ReportFields;
  readonly hostStatus: HostStatus;
}

export interface Reporter {
  /**
   * Journals one signed report and queues it for gossip. `alongside` is a journal change made in the same durable
   * write (an event's progress with its report: one fsync instead of two on the hand-over path).
   */
  publish(deploymentId: string, fields: ReportFields, hostStatus: HostStatus, alongside?: RecordChange): Promise<void>;
  /** Several reports, in order, in one durable write (a run of skipped events). */
  publishAll(deploymentId: string, reports: readonly PendingReport[], alongside?: RecordChange): Promise<void>;
}

export interface ReporterComponents {
  readonly journal: Journal;
  readonly signer: Signer;
  /** Takes journaled reports for gossip (ReportOutbox.add); `final` when one ends the host's part. Never throws. */
  readonly send: (envelopes: readonly SignedEnvelope[], final: boolean) => void;
}

export function createReporter(c: ReporterComponents): Reporter {
  const publishAll: Reporter['publishAll'] = async (deploymentId, reports, alongside) => {
    const envelopes: SignedEnvelope[] = [];
    await c.journal.update(deploymentId, (record, state) => {
      alongside?.(record, state);
      for (const { fields, hostStatus } of reports) {
        const report: LifecycleReport = {
          type: 'report',
          v: REPORT_VERSION,
          deploymentId,
          host: c.signer.id,
          seq: record.nextReportSeq,
          ...fields,
          message: truncateUtf8(fields.message, 4096),
          logTail: tailUtf8(fields.logTail, LOG_TAIL_MAX_BYTES),
          hostStatus,
        };
        const envelope = seal('report', report, c.signer);
        record.nextReportSeq += 1;
        record.reports.push(envelope);
        envelopes.push(envelope);
      }
    });
    c.send(envelopes, reports.some((r) => FINAL_HOST_STATUSES.has(r.hostStatus)));
  };
  return {
    publishAll,
    publish: (deploymentId, fields, hostStatus, alongside) => publishAll(deploymentId, [{ fields, hostStatus }], alongside),
  };
}

/** The last `maxBytes` bytes of `text`, cut on a character boundary. */
export function tailUtf8(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return text;
  let start = bytes.length - maxBytes;
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return new TextDecoder().decode(bytes.subarray(start));
}

function truncateUtf8(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : text.slice(0, maxChars - 1) + '…';
}
