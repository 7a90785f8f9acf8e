// Unpacks a deployment's verified bundle while the host waits for its rollout slot, so DownloadBundle, which
// is on the slot hand-over path, only renames the unpacked tree into place. The staged tree sits beside the
// deployment's archive dir, never in it: until DownloadBundle runs, ApplicationStop and the other
// last-successful events must still find the previous revision (§2.2), which they decide by whether the
// archive dir exists. A staged tree only ever appears complete (extracted under a temporary name, then
// renamed), so a crash mid-staging leaves nothing DownloadBundle would take.
import { renameSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BundleType } from '../archive/index.ts';
import { extractBundle } from '../archive/index.ts';
import type { DeploymentPaths } from './layout.ts';

export interface StagedBundle {
  readonly deploymentId: string;
  readonly paths: DeploymentPaths;
  readonly bundleType: BundleType;
  /** The deployment's own appspec file name, if it names one. */
  readonly appspecFileName?: string;
}

type Extract = (bundle: string, type: BundleType, dest: string) => Promise<unknown>;
/** Reads what DownloadBundle will check in the staged tree (its appspec), so that check is warm by then. */
type Warm = (stagedTree: string, target: StagedBundle) => Promise<unknown>;

export class BundleStager {
  private readonly jobs = new Map<string, Promise<void>>();
  /** Deployments whose DownloadBundle has begun: staging them now would only duplicate its work. */
  private readonly taken = new Set<string>();

  constructor(
    private readonly onError: (deploymentId: string, err: unknown) => void,
    private readonly extract: Extract = extractBundle,
    private readonly warm?: Warm,
  ) {}

  /** Starts unpacking `bundleFile` (verified) for the deployment, unless it is staged, staging or under way. */
  stage(target: StagedBundle, bundleFile: string): void {
    if (this.taken.has(target.deploymentId) || this.jobs.has(target.deploymentId)) return;
    const job = this.unpack(target, bundleFile).catch((err: unknown) => this.onError(target.deploymentId, err));
    this.jobs.set(target.deploymentId, job);
  }

  /**
   * Called by DownloadBundle: waits for a staging under way, then moves the staged tree to the archive dir.
   * False when there is none (never staged, staging failed, or a restart lost the job): unpack as usual.
   */
  async take(target: StagedBundle): Promise<boolean> {
    this.taken.add(target.deploymentId);
    await this.jobs.get(target.deploymentId);
    this.jobs.delete(target.deploymentId);
    try {
      renameSync(stagedDir(target.paths), target.paths.archive); // on the hand-over path: see steps.ts
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Forgets a deployment that is over (its staged tree, if never taken, goes with its directory). */
  forget(deploymentId: string): void {
    this.taken.delete(deploymentId);
    this.jobs.delete(deploymentId);
  }

  private async unpack(target: StagedBundle, bundleFile: string): Promise<void> {
    const partial = `${stagedDir(target.paths)}.partial`;
    await rm(partial, { recursive: true, force: true });
    try {
      await this.extract(bundleFile, target.bundleType, partial);
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      throw err;
    }
    // A DownloadBundle that began meanwhile is waiting for this job in take().
    await rm(stagedDir(target.paths), { recursive: true, force: true });
    await rename(partial, stagedDir(target.paths));
    // A bad appspec is DownloadBundle's to report, with the deployment's error codes: not a staging failure.
    await this.warm?.(stagedDir(target.paths), target).catch(() => undefined);
  }
}

export function stagedDir(paths: DeploymentPaths): string {
  return path.join(paths.root, 'staged-archive');
}
