// Reports into the coordinator's store, from gossip (a host's batch, or one envelope alone) and from
// status pulls. Each report is verified on its own: a bad one is logged and dropped, the others kept.
// The new ones are stored in one write, and each deployment they belong to is looked at once.
import type { Logger } from 'pino';
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';
import type { CoordinatorStore, StoredReport } from '../store/store.ts';
import { reportEnvelopesOf, verifyReport } from './intake.ts';

export interface ReportIntakeComponents {
  readonly store: Pick<CoordinatorStore, 'appendReports'>;
  readonly intentOf: (deploymentId: string) => DeploymentIntent | undefined;
  readonly logger: Logger;
  /** Called once per deployment that gained reports (the daemon decides whether it is final). */
  readonly onNewReports: (deploymentId: string) => Promise<void>;
}

export class ReportIntake {
  constructor(private readonly c: ReportIntakeComponents) {}

  /** One reports-topic gossip message. Never rejects: what is wrong with it is logged. */
  async receive(data: Uint8Array): Promise<void> {
    let items: (Uint8Array | string)[];
    try {
      items = reportEnvelopesOf(data);
    } catch (err) {
      this.c.logger.warn({ reason: (err as Error).message }, 'report batch rejected');
      return;
    }
    await this.record(items).catch((err: unknown) => this.c.logger.warn({ err }, 'reports could not be stored'));
  }

  /** Verifies and stores report envelopes (JSON bytes or text). Rejects only if the store fails. */
  async record(items: readonly (Uint8Array | string)[]): Promise<void> {
    const verified: StoredReport[] = [];
    for (const item of items) {
      try {
        verified.push(verifyReport(item, this.c.intentOf));
      } catch (err) {
        this.c.logger.warn({ reason: (err as Error).message }, 'report rejected');
      }
    }
    if (verified.length === 0) return;
    const added = await this.c.store.appendReports(verified);
    for (const id of new Set(added.map((r) => r.report.deploymentId))) await this.c.onNewReports(id);
  }
}
