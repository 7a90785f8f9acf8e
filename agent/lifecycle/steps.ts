// What each lifecycle event does on this host. DownloadBundle and Install are the agent's own work;
// BlockTraffic/AllowTraffic are no-ops without a traffic plugin (decision 12); every other event runs the
// appspec's scripts for it, from the revision §2.2 selects.
//
// Between a grant and the first hook, the small file operations (a pointer read, an existence check, a link,
// a rename) are synchronous: each takes microseconds, while an awaited one goes through libuv's thread pool
// and back, two wake-ups that on a busy host wait for a core (a profile of the 15 ms after a grant found the
// agent itself busy for 2 ms of them). Anything that can be large (extracting, removing a tree, fsync) stays
// asynchronous.
import { existsSync, linkSync, mkdirSync, rmSync } from 'node:fs';
import { rm, copyFile } from 'node:fs/promises';
import { LAST_SUCCESSFUL_EVENTS } from '../../protocol/lifecycle.ts';
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';
import { extractBundle } from '../archive/index.ts';
import { install, readLastSuccessfulInstall, writeLastSuccessfulInstall, writeMostRecentInstall } from '../install/index.ts';
import { runEventScripts } from '../hooks/index.ts';
import type { HookLauncher } from '../hooks/launcher.ts';
import type { FetchProgress } from '../fetch/revision-source.ts';
import type { BundleCache } from '../fetch/bundle-cache.ts';
import type { BundleStager } from './staging.ts';
import type { Journal } from '../state/journal.ts';
import type { AgentLayout, DeploymentPaths } from './layout.ts';
import { loadAppSpec } from './appspec-loader.ts';
import type { AppSpec } from '../../protocol/appspec/types.ts';
import { pruneRevisions } from './retention.ts';
import { failed, skipped, succeeded, type EventResult } from './outcome.ts';

export interface StepContext {
  readonly intent: DeploymentIntent;
  readonly paths: DeploymentPaths;
  readonly signal: AbortSignal;
  readonly layout: AgentLayout;
  readonly journal: Journal;
  /** Verified bundles by content hash; fetched ahead while the host waits for its slot. */
  readonly bundles: BundleCache;
  /** Bundles unpacked ahead, while the host waited for its slot. */
  readonly staged: BundleStager;
  readonly now: () => number;
  /** Host-level variables added to every hook's environment (CONVOY_HOST, CONVOY_DESTINATION_ROOT, ...). */
  readonly hostEnv: Readonly<Record<string, string>>;
  readonly destinationRoot?: string;
  readonly runAsAllowed: boolean;
  /** Starts hook processes (a standby shell forked ahead, agent/hooks/launcher.ts). */
  readonly launcher: HookLauncher;
  /** Deployment dirs kept per group, the current one included (decision 8). */
  readonly maxRevisions: number;
  readonly warn: (message: string, err: unknown) => void;
  readonly onDownloadProgress: (deploymentId: string, progress: FetchProgress) => void;
  /** Housekeeping started by a step that the deployment awaits before its final report; never rejects. */
  readonly background: Promise<void>[];
}

/**
 * What an event will do, decided before anything runs: nothing (its Skipped result is known up front, so
 * the runner journals no "started" and sends no InProgress for it) or work to run.
 */
export type PreparedStep =
  | { readonly skip: EventResult }
  | {
      /**
       * `started` resolves once the event's start is durable (journaled). Until then the work may only read and
       * open; anything with an effect waits for it. A quiet step gets it resolved.
       */
      readonly run: (started: Promise<void>) => Promise<EventResult>;
      /**
       * Needs no durable "started" record of its own: the work is local, touches nothing a host serves from,
       * and is simply done again after a crash. Its reports ride with the next event's journal write.
       */
      readonly quiet?: boolean;
    };
export type EventStep = (ctx: StepContext) => Promise<PreparedStep>;

export function stepFor(event: string): EventStep {
  switch (event) {
    case 'DownloadBundle':
      // With the verified bundle already on disk (fetched, usually unpacked too, while the host waited for
      // its slot), DownloadBundle is a few renames and links in this deployment's own dirs: quiet. A download
      // still to come is journaled first, so its InProgress report goes out while it runs.
      return async (ctx) => ({ run: async (started) => { await started; return downloadBundle(ctx); }, quiet: await ctx.bundles.holds(ctx.intent.revision) });
    case 'Install':
      return async (ctx) => ({ run: async (started) => { await started; return installStep(ctx); } });
    case 'BlockTraffic':
    case 'AllowTraffic':
      return async (ctx) => ({ skip: skipped(event, ctx.now(), 'no load balancer or traffic plugin configured for this group') });
    default:
      return (ctx) => prepareHooks(event, ctx);
  }
}

type Work = (ctx: StepContext) => Promise<EventResult>;

const downloadBundle: Work = async (ctx) => {
  const startedAt = ctx.now();
  const { intent, paths } = ctx;
  lastSuccessfulRevision.delete(ctx); // this deployment's own archive is about to appear
  // Pruning touches only other deployments' dirs, so it runs beside the rest of the lifecycle instead of
  // on the hand-over path; the deployment waits for it before its final report (runDeployment).
  ctx.background.push(pruneOldRevisions(ctx));
  mkdirSync(ctx.layout.instructionsDir, { recursive: true }); // before any promise below can reject unobserved
  // The bundle file and the archive dir do not depend on each other: on the hand-over path every awaited
  // file operation is a trip through the thread pool and a turn of a busy event loop.
  const bundle = (async () => {
    rmSync(paths.bundle, { force: true });
    const cached = await ctx.bundles.ensure(intent.revision, (p) => ctx.onDownloadProgress(intent.deploymentId, p), ctx.signal, {
      peers: intent.targets, deadline: intent.expiresAt,
    });
    try {
      linkSync(cached, paths.bundle);
    } catch {
      await copyFile(cached, paths.bundle); // another filesystem
    }
  })();
  const target = { deploymentId: intent.deploymentId, paths, bundleType: intent.revision.bundleType };
  const archive = (existsSync(paths.archive) ? rm(paths.archive, { recursive: true, force: true }) : Promise.resolve()).then(() => ctx.staged.take(target));
  const [unpackedAhead] = await Promise.all([archive, bundle]);
  if (!unpackedAhead) await extractBundle(paths.bundle, intent.revision.bundleType, paths.archive);
  // Refuse a revision with a bad appspec now, before any of its scripts could run.
  await loadAppSpec(paths.archive, intent.appspecFileName);
  await writeMostRecentInstall(ctx.layout.instructionsDir, intent.deploymentGroupId, paths.root);
  const how = unpackedAhead ? 'verified and unpacked while waiting for a slot' : 'verified and unpacked';
  return succeeded('DownloadBundle', startedAt, ctx.now(), `revision ${intent.revision.sha256.slice(0, 12)} ${how}`);
};

const installStep: Work = async (ctx) => {
  const startedAt = ctx.now();
  const { intent, paths } = ctx;
  const appspec = await loadAppSpec(paths.archive, intent.appspecFileName);
  const result = await install({
    archiveDir: paths.archive,
    instructionsDir: ctx.layout.instructionsDir,
    groupId: intent.deploymentGroupId,
    appspec,
    deploymentFileExistsBehavior: intent.fileExistsBehavior,
    ...(ctx.destinationRoot !== undefined ? { destinationRoot: ctx.destinationRoot } : {}),
  });
  // Decision 7: the pointer moves when Install succeeds, so the next ApplicationStop runs these scripts.
  await writeLastSuccessfulInstall(ctx.layout.instructionsDir, intent.deploymentGroupId, paths.root);
  await ctx.journal.update(intent.deploymentId, (_r, state) => {
    state.installed[intent.deploymentGroupId] = {
      application: intent.application,
      deploymentGroup: intent.deploymentGroup,
      revisionSha256: intent.revision.sha256,
      deploymentId: intent.deploymentId,
    };
  });
  return succeeded('Install', startedAt, ctx.now(), `${result.copied} files, ${result.directories} directories installed`);
};

async function prepareHooks(event: string, ctx: StepContext): Promise<PreparedStep> {
  const startedAt = ctx.now();
  const revisionDir = await selectRevisionDir(event, ctx);
  if (revisionDir === undefined) return { skip: skipped(event, startedAt, 'no previous successful install for this deployment group') };
  let scripts;
  try {
    scripts = (await appSpecOf(revisionDir, event, ctx)).hooks[event] ?? [];
  } catch (err) {
    const message = (err as Error).message;
    return { run: async () => failed(event, startedAt, ctx.now(), message) };
  }
  if (scripts.length === 0) return { skip: skipped(event, startedAt, 'no scripts for this event') };
  return {
    run: (started) => runEventScripts({
      event,
      scripts,
      revisionDir,
      cwd: revisionDir,
      env: hookEnv(event, ctx),
      logFile: ctx.paths.logFile,
      runAsAllowed: ctx.runAsAllowed,
      signal: ctx.signal,
      launcher: ctx.launcher,
      startGate: started,
    }),
  };
}

/** §4.2: the agent prunes old deployment dirs of the group when a new download starts. */
async function pruneOldRevisions(ctx: StepContext): Promise<void> {
  const { intent, paths } = ctx;
  try {
    const lastSuccessful = await readLastSuccessfulInstall(ctx.layout.instructionsDir, intent.deploymentGroupId);
    const protect = lastSuccessful === undefined ? [paths.root] : [paths.root, lastSuccessful];
    await pruneRevisions(ctx.layout.deploymentRoot, intent.deploymentGroupId, ctx.maxRevisions, protect);
  } catch (err) {
    // Pruning is housekeeping: a failure is logged, never allowed to fail the deployment.
    ctx.warn('could not prune old revisions', err);
  }
}

/**
 * The revision the last-successful-class events of one run read, and its appspec, looked up once: those
 * events all come before DownloadBundle (which replaces this deployment's archive and forgets the entry),
 * and each lookup is several file operations on the hand-over path.
 */
const lastSuccessfulRevision = new WeakMap<StepContext, { dir: Promise<string | undefined>; appspec?: Promise<AppSpec> }>();

/** §2.2: last-successful-class events use the previous revision until this deployment has its own archive. */
function selectRevisionDir(event: string, ctx: StepContext): Promise<string | undefined> {
  if (!LAST_SUCCESSFUL_EVENTS.has(event)) return Promise.resolve(ctx.paths.archive);
  let memo = lastSuccessfulRevision.get(ctx);
  if (memo === undefined) lastSuccessfulRevision.set(ctx, (memo = { dir: resolveLastSuccessfulDir(ctx) }));
  return memo.dir;
}

async function resolveLastSuccessfulDir(ctx: StepContext): Promise<string | undefined> {
  if (await exists(ctx.paths.archive)) return ctx.paths.archive;
  const previousRoot = await readLastSuccessfulInstall(ctx.layout.instructionsDir, ctx.intent.deploymentGroupId);
  if (previousRoot === undefined) return undefined;
  const dir = ctx.layout.archiveOf(previousRoot);
  return (await exists(dir)) ? dir : undefined;
}

function appSpecOf(revisionDir: string, event: string, ctx: StepContext): Promise<AppSpec> {
  const memo = LAST_SUCCESSFUL_EVENTS.has(event) ? lastSuccessfulRevision.get(ctx) : undefined;
  if (memo === undefined) return loadAppSpec(revisionDir, ctx.intent.appspecFileName);
  return (memo.appspec ??= loadAppSpec(revisionDir, ctx.intent.appspecFileName));
}

function hookEnv(event: string, ctx: StepContext): Record<string, string | undefined> {
  const { intent } = ctx;
  const source = intent.revision.source;
  // An S3 revision: fetched from S3 by the hosts, or registered from S3 and seeded by the coordinator.
  const s3 = source.kind === 's3' ? source : intent.revision.s3Location;
  return {
    ...ctx.hostEnv,
    LIFECYCLE_EVENT: event,
    DEPLOYMENT_ID: intent.deploymentId,
    APPLICATION_NAME: intent.application,
    DEPLOYMENT_GROUP_NAME: intent.deploymentGroup,
    DEPLOYMENT_GROUP_ID: intent.deploymentGroupId,
    BUNDLE_BUCKET: s3?.bucket,
    BUNDLE_KEY: s3?.key,
    BUNDLE_VERSION: s3?.version,
    BUNDLE_ETAG: s3?.etag,
    CONVOY_REVISION_SHA256: intent.revision.sha256,
    CONVOY_DEPLOYMENT_ROOT: ctx.paths.root,
  };
}

async function exists(p: string): Promise<boolean> {
  return existsSync(p);
}
