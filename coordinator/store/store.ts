// The coordinator's durable store, plain files under dataDir:
//   revisions/<sha256>.<type>, revisions/<sha256>.json   content-addressed bundles and their metadata
//   deployments/<id>.json                                  the signed intent and bookkeeping
//   deployments/<id>.reports.jsonl                         every verified report envelope, appended + fsynced
//   groups.json                                            last group sequence per deployment group id
//   fleet.json                                             last heartbeat per host
// Everything is written before it is acknowledged, so `deploy get` answers the same after a restart.
import { open, readFile, readdir, mkdir, copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { readJsonIfExists, writeFileDurable } from '../../agent/state/durable-file.ts';
import type { SignedEnvelope } from '../../protocol/signing/envelope.ts';
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';
import type { Heartbeat } from '../../protocol/messages/heartbeat.ts';
import type { LifecycleReport } from '../../protocol/messages/report.ts';

export interface RevisionMeta {
  readonly sha256: string;
  readonly size: number;
  readonly bundleType: 'zip' | 'tar' | 'tgz';
  readonly createdAt: number;
  readonly sourceDir?: string;
  readonly s3?: { bucket: string; key: string; version?: string; etag?: string };
}

export interface StoredDeployment {
  readonly intent: DeploymentIntent;
  readonly intentEnvelope: SignedEnvelope;
  readonly createdAt: number;
  /** Set when the coordinator decided a final status (kept so it never flips after the fact). */
  finalStatus?: 'Succeeded' | 'Failed' | 'Stopped';
  completedAt?: number;
  failureReason?: string;
  autoRollbackEvents?: ('DEPLOYMENT_FAILURE' | 'DEPLOYMENT_STOP_ON_REQUEST')[];
  /** Set when an operator asked to stop; `rollback` when they asked for a rollback with it. */
  stopRequested?: { at: number; rollback: boolean };
  /** The rollback deployment created for this one, if any. */
  rolledBackBy?: string;
  /** Hosts an operator declared dead (peer ids): they count as failed unless their own reports finished first. */
  declaredDead?: { host: string; at: number }[];
}

export interface StoredReport {
  readonly envelope: SignedEnvelope;
  readonly report: LifecycleReport;
}

export interface FleetEntry {
  readonly heartbeat: Heartbeat;
  readonly receivedAt: number;
}

export class CoordinatorStore {
  private readonly reportCache = new Map<string, StoredReport[]>();
  private reportWrites: Promise<void> = Promise.resolve();
  private fleet: Record<string, FleetEntry> = {};
  private fleetDirty = false;

  private constructor(readonly dataDir: string) {}

  static async open(dataDir: string): Promise<CoordinatorStore> {
    const store = new CoordinatorStore(dataDir);
    await mkdir(path.join(dataDir, 'revisions'), { recursive: true });
    await mkdir(path.join(dataDir, 'deployments'), { recursive: true });
    store.fleet = (await readJsonIfExists<Record<string, FleetEntry>>(path.join(dataDir, 'fleet.json'))) ?? {};
    return store;
  }

  // Revisions ---------------------------------------------------------------------------------------
  revisionFile(sha256: string, bundleType: string): string {
    return path.join(this.dataDir, 'revisions', `${sha256}.${bundleType}`);
  }

  async putRevision(bundleFile: string, meta: RevisionMeta): Promise<void> {
    await copyFile(bundleFile, this.revisionFile(meta.sha256, meta.bundleType));
    await writeFileDurable(path.join(this.dataDir, 'revisions', `${meta.sha256}.json`), JSON.stringify(meta, null, 2));
  }

  /** Finds a revision by full hash or unique prefix (at least 8 hex digits). */
  async findRevision(ref: string): Promise<RevisionMeta | undefined> {
    if (!/^[0-9a-f]{8,64}$/.test(ref)) return undefined;
    const matches = (await this.listRevisions()).filter((r) => r.sha256.startsWith(ref));
    return matches.length === 1 ? matches[0] : undefined;
  }

  async listRevisions(): Promise<RevisionMeta[]> {
    const names = await readdir(path.join(this.dataDir, 'revisions'));
    const metas = await Promise.all(names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n)).map((n) => readJsonIfExists<RevisionMeta>(path.join(this.dataDir, 'revisions', n))));
    return metas.filter((m): m is RevisionMeta => m !== undefined).sort((a, b) => b.createdAt - a.createdAt);
  }

  async locateBundle(sha256: string): Promise<string | undefined> {
    const meta = await readJsonIfExists<RevisionMeta>(path.join(this.dataDir, 'revisions', `${sha256}.json`));
    return meta ? this.revisionFile(meta.sha256, meta.bundleType) : undefined;
  }

  // Deployments -------------------------------------------------------------------------------------
  private deploymentFile(id: string): string {
    return path.join(this.dataDir, 'deployments', `${id}.json`);
  }

  async saveDeployment(d: StoredDeployment): Promise<void> {
    await writeFileDurable(this.deploymentFile(d.intent.deploymentId), JSON.stringify(d, null, 2));
  }

  async getDeployment(id: string): Promise<StoredDeployment | undefined> {
    if (!/^d-[A-Z0-9]{9}$/.test(id)) return undefined;
    return readJsonIfExists<StoredDeployment>(this.deploymentFile(id));
  }

  async listDeployments(): Promise<StoredDeployment[]> {
    const names = (await readdir(path.join(this.dataDir, 'deployments'))).filter((n) => /^d-[A-Z0-9]{9}\.json$/.test(n));
    const all = await Promise.all(names.map((n) => this.getDeployment(n.slice(0, -5))));
    return all.filter((d): d is StoredDeployment => d !== undefined).sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Appends verified reports, skipping any (deployment, host, seq) already stored: one append and one
   * fsync per deployment file for the lot. Appends run one after another, so two copies of a report
   * arriving together are stored once. Returns the reports that were new.
   */
  appendReports(reports: readonly StoredReport[]): Promise<StoredReport[]> {
    const run = this.reportWrites.then(() => this.appendNow(reports));
    this.reportWrites = run.then(() => undefined, () => undefined);
    return run;
  }

  private async appendNow(reports: readonly StoredReport[]): Promise<StoredReport[]> {
    const added: StoredReport[] = [];
    for (const deploymentId of new Set(reports.map((r) => r.report.deploymentId))) {
      const existing = await this.reports(deploymentId);
      const seen = new Set(existing.map((r) => `${r.report.host}/${r.report.seq}`));
      const fresh: StoredReport[] = [];
      for (const r of reports) {
        const key = `${r.report.host}/${r.report.seq}`;
        if (r.report.deploymentId !== deploymentId || seen.has(key)) continue;
        seen.add(key);
        fresh.push({ envelope: r.envelope, report: r.report });
      }
      if (fresh.length === 0) continue;
      const handle = await open(path.join(this.dataDir, 'deployments', `${deploymentId}.reports.jsonl`), 'a');
      try {
        await handle.appendFile(fresh.map((r) => JSON.stringify(r) + '\n').join(''));
        await handle.sync();
      } finally {
        await handle.close();
      }
      existing.push(...fresh);
      added.push(...fresh);
    }
    return added;
  }

  async reports(deploymentId: string): Promise<StoredReport[]> {
    let cached = this.reportCache.get(deploymentId);
    if (cached === undefined) {
      cached = await readReportLog(path.join(this.dataDir, 'deployments', `${deploymentId}.reports.jsonl`));
      this.reportCache.set(deploymentId, cached);
    }
    return cached;
  }

  // Group sequences ---------------------------------------------------------------------------------
  async nextGroupSequence(groupId: string): Promise<number> {
    const file = path.join(this.dataDir, 'groups.json');
    const groups = (await readJsonIfExists<Record<string, number>>(file)) ?? {};
    const next = (groups[groupId] ?? 0) + 1;
    groups[groupId] = next;
    await writeFileDurable(file, JSON.stringify(groups, null, 2));
    return next;
  }

  // Fleet -------------------------------------------------------------------------------------------
  recordHeartbeat(heartbeat: Heartbeat, receivedAt: number): void {
    const previous = this.fleet[heartbeat.host];
    if (previous && previous.heartbeat.sentAt > heartbeat.sentAt) return;
    this.fleet[heartbeat.host] = { heartbeat, receivedAt };
    this.fleetDirty = true;
  }

  fleetEntries(): FleetEntry[] {
    return Object.values(this.fleet);
  }

  async reloadFleet(): Promise<void> {
    this.fleet = (await readJsonIfExists<Record<string, FleetEntry>>(path.join(this.dataDir, 'fleet.json'))) ?? {};
  }

  async flushFleet(): Promise<void> {
    if (!this.fleetDirty) return;
    this.fleetDirty = false;
    await writeFileDurable(path.join(this.dataDir, 'fleet.json'), JSON.stringify(this.fleet));
  }

  async removeRevisionFile(sha256: string, bundleType: string): Promise<void> {
    await rm(this.revisionFile(sha256, bundleType), { force: true });
  }
}

async function readReportLog(file: string): Promise<StoredReport[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: StoredReport[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as StoredReport);
    } catch {
      // A torn last line from a crash mid-append: the report will be pulled again from the host.
    }
  }
  return out;
}

