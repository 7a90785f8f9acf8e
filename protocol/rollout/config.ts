// Deployment configurations (CodeDeploy agent reference §6.1): minimum healthy hosts m and the
// concurrency bound K = N − m that the slot protocol enforces. Pure functions, no I/O.

export const ONE_AT_A_TIME = 'CodeDeployDefault.OneAtATime';
export const HALF_AT_A_TIME = 'CodeDeployDefault.HalfAtATime';
export const ALL_AT_ONCE = 'CodeDeployDefault.AllAtOnce';
const PREDEFINED_PREFIX = 'CodeDeployDefault.';
const NAME_PATTERN = /^[A-Za-z0-9._+=,@-]{1,100}$/;

/**
 * How m is derived. `MOST_CONCURRENCY 1` is the service-internal type of OneAtATime (m = N − 1);
 * users can only set HOST_COUNT (any integer ≥ 0) and FLEET_PERCENT (integer 0–99).
 */
export type MinimumHealthyHosts =
  | { readonly type: 'HOST_COUNT'; readonly value: number }
  | { readonly type: 'FLEET_PERCENT'; readonly value: number }
  | { readonly type: 'MOST_CONCURRENCY'; readonly value: 1 };

export interface DeploymentConfig {
  readonly name: string;
  readonly minimumHealthyHosts: MinimumHealthyHosts;
}

const PREDEFINED: ReadonlyMap<string, DeploymentConfig> = new Map<string, DeploymentConfig>([
  [ONE_AT_A_TIME, { name: ONE_AT_A_TIME, minimumHealthyHosts: { type: 'MOST_CONCURRENCY', value: 1 } }],
  [HALF_AT_A_TIME, { name: HALF_AT_A_TIME, minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 50 } }],
  [ALL_AT_ONCE, { name: ALL_AT_ONCE, minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } }],
]);

export class DeploymentConfigError extends Error {
  override readonly name = 'DeploymentConfigError';
  readonly code = 'INVALID_DEPLOYMENT_CONFIG';
}

/** The predefined configuration called `name`; with no name, OneAtATime (the service default). */
export function predefinedConfig(name: string = ONE_AT_A_TIME): DeploymentConfig {
  const config = PREDEFINED.get(name);
  if (config === undefined) throw new DeploymentConfigError(`Unknown predefined deployment config "${name}"`);
  return config;
}

/** A custom configuration; validates the limits of the service (HOST_COUNT ≥ 0, FLEET_PERCENT 0–99). */
export function customConfig(name: string, type: 'HOST_COUNT' | 'FLEET_PERCENT', value: number): DeploymentConfig {
  if (!NAME_PATTERN.test(name)) throw new DeploymentConfigError(`Invalid deployment config name "${name}"`);
  if (name.startsWith(PREDEFINED_PREFIX)) {
    throw new DeploymentConfigError(`Custom config name must not start with "${PREDEFINED_PREFIX}"`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new DeploymentConfigError(`${type} must be a non-negative integer, got ${value}`);
  }
  if (type === 'FLEET_PERCENT' && value > 99) {
    throw new DeploymentConfigError(`FLEET_PERCENT must be between 0 and 99, got ${value}`);
  }
  return { name, minimumHealthyHosts: { type, value } };
}

/** Looks up a predefined name, or returns a custom config unchanged after validating it. */
export function resolveConfig(config: string | DeploymentConfig | undefined): DeploymentConfig {
  if (config === undefined || typeof config === 'string') return predefinedConfig(config);
  if (PREDEFINED.has(config.name)) return predefinedConfig(config.name);
  const mhh = config.minimumHealthyHosts;
  if (mhh.type === 'MOST_CONCURRENCY') throw new DeploymentConfigError('MOST_CONCURRENCY is not user-settable');
  return customConfig(config.name, mhh.type, mhh.value);
}

/**
 * Minimum healthy hosts m for a deployment to n targets, fixed once at deployment start.
 * FLEET_PERCENT converts to a host count rounding fractions up: ceil(n·p/100), in integers.
 */
export function minimumHealthy(config: DeploymentConfig, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new DeploymentConfigError(`Host count must be ≥ 0, got ${n}`);
  const mhh = config.minimumHealthyHosts;
  switch (mhh.type) {
    case 'MOST_CONCURRENCY':
      return Math.max(n - mhh.value, 0);
    case 'HOST_COUNT':
      return mhh.value;
    case 'FLEET_PERCENT':
      return Math.floor((n * mhh.value + 99) / 100);
  }
}

/** K = N − m: how many hosts may be unhealthy (deploying or failed) at once; 0 when m ≥ N. */
export function maxUnhealthy(config: DeploymentConfig, n: number): number {
  return Math.max(n - minimumHealthy(config, n), 0);
}

/**
 * If m ≥ N the deployment fails at once without touching any host (HEALTH_CONSTRAINTS_INVALID).
 * With no targets at all there is nothing to succeed on, so that fails too.
 */
export function healthConstraintsValid(config: DeploymentConfig, n: number): boolean {
  return n > 0 && minimumHealthy(config, n) < n;
}
