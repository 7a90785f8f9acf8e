// A flat registry of compute-platform plugins. Checks happen at registration, with errors naming the plugin.

import { PLUGIN_ERROR_CODES, PluginError } from './errors.ts';
import { PLUGIN_API_VERSION, type ComputePlatform, type ComputePlatformPlugin, type PluginMeta } from './types.ts';

const NAME_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

export function checkPluginMeta(meta: unknown): asserts meta is PluginMeta {
  if (typeof meta !== 'object' || meta === null) {
    throw new PluginError(PLUGIN_ERROR_CODES.INVALID_META, 'Plugin meta must be an object');
  }
  const { name, apiVersion } = meta as Record<string, unknown>;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new PluginError(PLUGIN_ERROR_CODES.INVALID_META, `Plugin name must be kebab-case: ${JSON.stringify(name)}`);
  }
  if (typeof apiVersion !== 'number' || !Number.isInteger(apiVersion)) {
    throw new PluginError(PLUGIN_ERROR_CODES.INVALID_META, `Plugin "${name}" has no integer apiVersion`);
  }
  if (apiVersion !== PLUGIN_API_VERSION) {
    throw new PluginError(
      PLUGIN_ERROR_CODES.API_VERSION_MISMATCH,
      `Plugin "${name}" targets plugin API ${apiVersion}, this coordinator provides ${PLUGIN_API_VERSION}`,
    );
  }
}

export class PluginRegistry {
  readonly #platforms = new Map<string, { meta: PluginMeta; platform: ComputePlatform }>();

  /**
   * Checks the plugin's meta, builds its platform from `init` and `components`, and keeps it under its name.
   * Throws CONVOY_PLUGIN_INVALID_META, CONVOY_PLUGIN_API_VERSION_MISMATCH or CONVOY_PLUGIN_DUPLICATE_NAME.
   */
  register<Init, Components>(plugin: ComputePlatformPlugin<Init, Components>, init: Init | undefined, components: Components): ComputePlatform {
    if (typeof plugin !== 'object' || plugin === null || typeof plugin.create !== 'function') {
      throw new PluginError(PLUGIN_ERROR_CODES.INVALID_META, 'A plugin is an object with `meta` and `create`');
    }
    checkPluginMeta(plugin.meta);
    const { name } = plugin.meta;
    if (this.#platforms.has(name)) {
      throw new PluginError(PLUGIN_ERROR_CODES.DUPLICATE_NAME, `A plugin named "${name}" is already registered`);
    }
    const platform = plugin.create(init)(components);
    this.#platforms.set(name, { meta: plugin.meta, platform });
    return platform;
  }

  /** The platform registered under `name`; throws CONVOY_PLUGIN_NOT_FOUND. */
  get(name: string): ComputePlatform {
    const entry = this.#platforms.get(name);
    if (entry === undefined) {
      throw new PluginError(PLUGIN_ERROR_CODES.NOT_FOUND, `No compute-platform plugin named "${name}"`);
    }
    return entry.platform;
  }

  /** The platform whose meta declares this CodeDeploy compute platform (`Lambda`, `ECS`), if any. */
  forComputePlatform(computePlatform: string): ComputePlatform | undefined {
    for (const { meta, platform } of this.#platforms.values()) {
      if (meta.computePlatform?.toLowerCase() === computePlatform.toLowerCase()) return platform;
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.#platforms.has(name);
  }

  names(): string[] {
    return [...this.#platforms.keys()];
  }
}
