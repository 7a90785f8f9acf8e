// The agent's journal: everything it must not forget across a crash or restart. Every change is written
// durably (double-buffered-file.ts: in place, fdatasync) before the agent acts on it or tells anyone.
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { DoubleBufferedFile } from './double-buffered-file.ts';
import type { SignedEnvelope } from '../../protocol/signing/envelope.ts';
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';
import type { HostStatus } from '../../protocol/messages/report.ts';

export interface EventProgress {
  readonly event: string;
  readonly state: 'started' | 'done';
  readonly status?: 'Succeeded' | 'Failed' | 'Skipped';
}

export interface DeploymentRecord {
  readonly intent: DeploymentIntent;
  readonly intentEnvelope: SignedEnvelope;
  status: HostStatus;
  events: EventProgress[];
  /** Signed reports this host published for the deployment, in order (answered to status queries). */
  reports: SignedEnvelope[];
  nextReportSeq: number;
  receivedAt: number;
  finishedAt?: number;
  /** The deployment's final state as the slot protocol decided it (every host learns the same one). */
  rolloutFinal?: { state: 'succeeded' | 'failed' | 'stopped'; reason?: string };
}

export interface InstalledRevision {
  readonly application: string;
  readonly deploymentGroup: string;
  readonly revisionSha256: string;
  readonly deploymentId: string;
}

export interface JournalState {
  version: 1;
  /** Highest group sequence applied, per deployment group id. */
  groupSequence: Record<string, number>;
  /** Deployment ids ever accepted (replays are dropped), newest last; bounded. */
  seen: string[];
  deployments: Record<string, DeploymentRecord>;
  /** Current revision per deployment group id (written when Install succeeds). */
  installed: Record<string, InstalledRevision>;
  lastDeployment?: { deploymentId: string; status: HostStatus };
}

/** Replay protection keeps this many deployment ids; intents also carry an expiry and a group sequence. */
const SEEN_MAX = 10_000;
/** Full records (with reports) are kept for the most recent deployments only. */
const RECORDS_MAX = 50;

export class Journal {
  private constructor(private readonly file: DoubleBufferedFile, private state: JournalState) {}

  static async open(rootDir: string): Promise<Journal> {
    const dir = path.join(rootDir, 'state');
    await mkdir(dir, { recursive: true });
    const name = path.join(dir, 'journal.dat');
    const { file, contents } = await DoubleBufferedFile.open(name, path.join(dir, 'journal.json'));
    const state = contents === undefined
      ? { version: 1 as const, groupSequence: {}, seen: [], deployments: {}, installed: {} }
      : JSON.parse(new TextDecoder().decode(contents)) as JournalState;
    if (state.version !== 1) throw new Error(`Journal "${name}" has unsupported version ${String(state.version)}`);
    return new Journal(file, state);
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  get snapshot(): Readonly<JournalState> {
    return this.state;
  }

  hasSeen(deploymentId: string): boolean {
    return this.state.seen.includes(deploymentId) || deploymentId in this.state.deployments;
  }

  lastSequence(groupId: string): number {
    return this.state.groupSequence[groupId] ?? 0;
  }

  deployment(id: string): DeploymentRecord | undefined {
    return this.state.deployments[id];
  }

  /** Deployments accepted but not finished: resumed (or failed as interrupted) after a restart. */
  unfinished(): DeploymentRecord[] {
    return Object.values(this.state.deployments).filter((d) => d.finishedAt === undefined);
  }

  async accept(intent: DeploymentIntent, envelope: SignedEnvelope, now: number): Promise<DeploymentRecord> {
    const record: DeploymentRecord = { intent, intentEnvelope: envelope, status: 'Pending', events: [], reports: [], nextReportSeq: 0, receivedAt: now };
    this.state.deployments[intent.deploymentId] = record;
    this.state.seen.push(intent.deploymentId);
    if (this.state.seen.length > SEEN_MAX) this.state.seen.splice(0, this.state.seen.length - SEEN_MAX);
    this.state.groupSequence[intent.deploymentGroupId] = Math.max(this.lastSequence(intent.deploymentGroupId), intent.groupSequence);
    this.prune();
    await this.flush();
    return record;
  }

  async update(id: string, change: (record: DeploymentRecord, state: JournalState) => void): Promise<void> {
    const record = this.state.deployments[id];
    if (record === undefined) throw new Error(`Journal has no deployment ${id}`);
    change(record, this.state);
    await this.flush();
  }

  /** Deployments whose rollout is not final yet: this host still votes and learns for them. */
  active(): DeploymentRecord[] {
    return Object.values(this.state.deployments).filter((d) => d.rolloutFinal === undefined);
  }

  private prune(): void {
    const finished = Object.values(this.state.deployments)
      .filter((d) => d.finishedAt !== undefined && d.rolloutFinal !== undefined)
      .sort((a, b) => a.receivedAt - b.receivedAt);
    const excess = Object.keys(this.state.deployments).length - RECORDS_MAX;
    for (const record of finished.slice(0, Math.max(0, excess))) delete this.state.deployments[record.intent.deploymentId];
  }

  private async flush(): Promise<void> {
    await this.file.write(new TextEncoder().encode(JSON.stringify(this.state)));
  }
}
