// The agent's journal: everything it must not forget across a crash or restart. Every change is written
// durably (double-buffered-file.ts: in place, fdatasync) before the agent acts on it or tells anyone.
import path from 'node:path';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { DoubleBufferedFile } from './double-buffered-file.ts';
import { readJsonIfExists, writeFileDurable } from './durable-file.ts';
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
  /** The most recent deployment ids accepted, newest last (SEEN_MAX): re-deliveries of them are dropped quietly. */
  seen: string[];
  deployments: Record<string, DeploymentRecord>;
  /** Current revision per deployment group id (written when Install succeeds). */
  installed: Record<string, InstalledRevision>;
  lastDeployment?: { deploymentId: string; status: HostStatus };
}

/**
 * The replay protection is the group sequence: an intent whose sequence is not newer than the last one its
 * group applied is refused, whenever it was first seen. `seen` only tells a gossip re-delivery of a recent
 * intent (dropped quietly) from a stale one (logged). It rides in every journal write, so it stays short:
 * 256 ids are ~10 KiB, where 10,000 were ~400 KiB and 5 ms of JSON, write and fdatasync per write here.
 */
export const SEEN_MAX = 256;
/** Full records (with reports) are kept for the most recent deployments only. */
const RECORDS_MAX = 50;

/**
 * The journal file holds the records still in play. A record whose host is done and whose rollout is final
 * no longer changes: it moves to records/<id>.json, written durably before the journal lists it there, so
 * a write on the hand-over path serializes one or two records, not the last fifty with all their reports
 * (measured: 11 ms a write at 8 records, 64 ms at 50).
 */
interface StoredJournal extends JournalState {
  /** Records kept in records/<id>.json, oldest first. */
  archived?: string[];
}

export class Journal {
  /** Records removed by pruning whose files go once the journal no longer lists them. */
  private discarded: string[] = [];

  private constructor(
    private readonly file: DoubleBufferedFile,
    private readonly recordsDir: string,
    private state: JournalState,
    private readonly archived: Set<string>,
    /** Finished deployments the journal listed whose record files were gone at open (the agent logs them). */
    readonly missingRecords: readonly string[],
  ) {}

  static async open(rootDir: string): Promise<Journal> {
    const dir = path.join(rootDir, 'state');
    const recordsDir = path.join(dir, 'records');
    await mkdir(recordsDir, { recursive: true });
    const name = path.join(dir, 'journal.dat');
    const { file, contents } = await DoubleBufferedFile.open(name, path.join(dir, 'journal.json'));
    const stored: StoredJournal = contents === undefined
      ? { version: 1 as const, groupSequence: {}, seen: [], deployments: {}, installed: {} }
      : JSON.parse(new TextDecoder().decode(contents)) as StoredJournal;
    if (stored.version !== 1) throw new Error(`Journal "${name}" has unsupported version ${String(stored.version)}`);
    const { archived = [], ...state } = stored;
    state.seen = state.seen.slice(-SEEN_MAX); // an older agent kept up to 10,000
    const listed = new Set<string>();
    const missing: string[] = [];
    for (const id of archived) {
      // Written durably before it was listed, so only outside hands remove or damage one. It holds a finished
      // deployment: losing it loses answers to status queries, not a promise, so the agent still starts.
      const record = await readJsonIfExists<DeploymentRecord>(path.join(recordsDir, `${id}.json`)).catch(() => undefined);
      if (record === undefined) {
        missing.push(id);
        continue;
      }
      state.deployments[id] = record;
      listed.add(id);
    }
    // A record file the journal does not list: pruned, or archived by a write that a crash cut short
    // (its record is still in the journal and is archived again).
    for (const entry of await readdir(recordsDir)) {
      if (!listed.has(entry.replace(/\.json$/, ''))) await rm(path.join(recordsDir, entry), { force: true });
    }
    return new Journal(file, recordsDir, state, listed, missing);
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
    this.archived.delete(id); // changed: back in the journal until it is archived again
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
    for (const record of finished.slice(0, Math.max(0, excess))) {
      const id = record.intent.deploymentId;
      delete this.state.deployments[id];
      if (this.archived.delete(id)) this.discarded.push(id);
    }
  }

  private async flush(): Promise<void> {
    for (const record of Object.values(this.state.deployments)) {
      const id = record.intent.deploymentId;
      if (this.archived.has(id) || record.finishedAt === undefined || record.rolloutFinal === undefined) continue;
      await writeFileDurable(path.join(this.recordsDir, `${id}.json`), JSON.stringify(record));
      this.archived.add(id);
    }
    const inPlay = Object.fromEntries(Object.entries(this.state.deployments).filter(([id]) => !this.archived.has(id)));
    const stored: StoredJournal = { ...this.state, deployments: inPlay, archived: [...this.archived] };
    await this.file.write(new TextEncoder().encode(JSON.stringify(stored)));
    for (const id of this.discarded.splice(0)) await rm(path.join(this.recordsDir, `${id}.json`), { force: true });
  }
}
