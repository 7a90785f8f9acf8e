// File-backed PluginDeploymentStore: one JSON file per deployment, replaced atomically
// (write <id>.json.<rand>.tmp, fsync it, rename over <id>.json, fsync the directory).

import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PLUGIN_ERROR_CODES, PluginError } from './errors.ts';
import type { DeploymentRecord, PluginDeploymentStore } from './types.ts';

/** Ids become file names, so they are restricted to a safe alphabet. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SUFFIX = '.json';

export function assertDeploymentId(id: string): void {
  if (!ID_PATTERN.test(id) || id.includes('..')) {
    throw new PluginError(PLUGIN_ERROR_CODES.INVALID_REQUEST, `Deployment id must match ${ID_PATTERN.source}: ${JSON.stringify(id)}`);
  }
}

export class FilePluginDeploymentStore implements PluginDeploymentStore {
  readonly #dir: string;
  #ready: Promise<void> | undefined;
  /** Per-id write chain, so two saves of one record never race on rename. */
  readonly #chains = new Map<string, Promise<void>>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  async save(record: DeploymentRecord): Promise<void> {
    assertDeploymentId(record.id);
    const text = JSON.stringify(record, null, 1);
    const previous = this.#chains.get(record.id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.#write(record.id, text));
    this.#chains.set(record.id, next);
    try {
      await next;
    } finally {
      if (this.#chains.get(record.id) === next) this.#chains.delete(record.id);
    }
  }

  async load(id: string): Promise<DeploymentRecord | undefined> {
    assertDeploymentId(id);
    let text: string;
    try {
      text = await readFile(join(this.#dir, id + SUFFIX), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new PluginError(PLUGIN_ERROR_CODES.STORE_FAILURE, `Cannot read deployment record "${id}"`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new PluginError(PLUGIN_ERROR_CODES.STORE_FAILURE, `Deployment record "${id}" is not valid JSON`, { cause: err });
    }
    if (typeof parsed !== 'object' || parsed === null || (parsed as { id?: unknown }).id !== id) {
      throw new PluginError(PLUGIN_ERROR_CODES.STORE_FAILURE, `Deployment record "${id}" does not hold that deployment`);
    }
    return parsed as DeploymentRecord;
  }

  async list(): Promise<string[]> {
    await this.#ensureDir();
    const names = await readdir(this.#dir);
    return names.filter((n) => n.endsWith(SUFFIX)).map((n) => n.slice(0, -SUFFIX.length)).sort();
  }

  #ensureDir(): Promise<void> {
    this.#ready ??= mkdir(this.#dir, { recursive: true }).then(() => undefined);
    return this.#ready;
  }

  async #write(id: string, text: string): Promise<void> {
    await this.#ensureDir();
    const target = join(this.#dir, id + SUFFIX);
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(text, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, target);
      const dh = await open(this.#dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new PluginError(PLUGIN_ERROR_CODES.STORE_FAILURE, `Cannot write deployment record "${id}"`, { cause: err });
    }
  }
}

/** In-memory store with the same copy semantics (records are cloned on save and load). */
export class MemoryPluginDeploymentStore implements PluginDeploymentStore {
  readonly #records = new Map<string, string>();

  async save(record: DeploymentRecord): Promise<void> {
    assertDeploymentId(record.id);
    this.#records.set(record.id, JSON.stringify(record));
  }

  async load(id: string): Promise<DeploymentRecord | undefined> {
    const text = this.#records.get(id);
    return text === undefined ? undefined : (JSON.parse(text) as DeploymentRecord);
  }

  async list(): Promise<string[]> {
    return [...this.#records.keys()].sort();
  }
}
