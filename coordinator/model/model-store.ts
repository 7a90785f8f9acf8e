// Durable storage for the CodeDeploy object model: one JSON file per collection under
// <dataDir>/codedeploy/, rewritten atomically (temp file, fsync, rename) on every change. Collections are
// small (names and settings), so each lives in memory and mutations are serialised through one queue:
// a change is durable before the API answers.
import path from 'node:path';
import { readJsonIfExists, writeFileDurable } from '../../agent/state/durable-file.ts';
import type {
  ApiDeploymentRecord, ApplicationRecord, CustomDeploymentConfig, DeploymentGroupRecord, HookStatusRecord,
  InstanceRecord, RevisionRecord, S3CacheEntry, Tag,
} from './types.ts';

interface Collections {
  /** By application name. */
  applications: Record<string, ApplicationRecord>;
  /** By application name, then group name. */
  deploymentGroups: Record<string, Record<string, DeploymentGroupRecord>>;
  /** By application name; in registration order. */
  revisions: Record<string, RevisionRecord[]>;
  /** Custom configs by name. */
  deploymentConfigs: Record<string, CustomDeploymentConfig>;
  /** By instance name. */
  instances: Record<string, InstanceRecord>;
  /** API metadata by deployment id. */
  deployments: Record<string, ApiDeploymentRecord>;
  /** By lifecycleEventHookExecutionId. */
  hookStatuses: Record<string, HookStatusRecord>;
  /** Resource tags by ARN. */
  resourceTags: Record<string, Tag[]>;
  /** Fetched S3 objects by cache key. */
  s3Cache: Record<string, S3CacheEntry>;
}

const NAMES: readonly (keyof Collections)[] = [
  'applications', 'deploymentGroups', 'revisions', 'deploymentConfigs', 'instances', 'deployments', 'hookStatuses', 'resourceTags', 's3Cache',
];

export class CodeDeployModel {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly dir: string, readonly data: Collections) {}

  static async open(dataDir: string): Promise<CodeDeployModel> {
    const dir = path.join(dataDir, 'codedeploy');
    const data = {} as Record<keyof Collections, unknown>;
    for (const name of NAMES) data[name] = (await readJsonIfExists<unknown>(path.join(dir, `${name}.json`))) ?? {};
    return new CodeDeployModel(dir, data as unknown as Collections);
  }

  /**
   * Runs `change` with exclusive access and then persists the named collections. `change` may throw to
   * abort (nothing is written then; it must not have mutated before throwing).
   */
  async mutate<T>(collections: readonly (keyof Collections)[], change: (data: Collections) => T | Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const result = await change(this.data);
      for (const name of collections) {
        await writeFileDurable(path.join(this.dir, `${name}.json`), JSON.stringify(this.data[name], null, 1));
      }
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  // Read helpers ------------------------------------------------------------------------------------
  application(name: string): ApplicationRecord | undefined {
    return own(this.data.applications, name);
  }

  group(app: string, name: string): DeploymentGroupRecord | undefined {
    const groups = own(this.data.deploymentGroups, app);
    return groups === undefined ? undefined : own(groups, name);
  }

  groups(app: string): DeploymentGroupRecord[] {
    return Object.values(own(this.data.deploymentGroups, app) ?? {});
  }

  revisions(app: string): RevisionRecord[] {
    return own(this.data.revisions, app) ?? [];
  }

  deployment(id: string): ApiDeploymentRecord | undefined {
    return own(this.data.deployments, id);
  }

  instance(name: string): InstanceRecord | undefined {
    return own(this.data.instances, name);
  }

  customConfig(name: string): CustomDeploymentConfig | undefined {
    return own(this.data.deploymentConfigs, name);
  }
}

/** Record lookup that ignores inherited keys ("constructor", "__proto__", ...). */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Record write that cannot touch the prototype, whatever the key. */
export function put<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
