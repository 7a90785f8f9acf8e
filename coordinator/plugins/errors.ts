// Stable error codes for plugin registration and platform operations. Callers match on `code`, not on classes.

import type { DeploymentError, DeploymentErrorCode } from './types.ts';

export const PLUGIN_ERROR_CODES = {
  /** `meta` is missing or malformed (name not kebab-case, apiVersion not an integer, no `create`). */
  INVALID_META: 'CONVOY_PLUGIN_INVALID_META',
  /** The plugin was built for another `PLUGIN_API_VERSION`. */
  API_VERSION_MISMATCH: 'CONVOY_PLUGIN_API_VERSION_MISMATCH',
  /** A plugin with the same name is already registered. */
  DUPLICATE_NAME: 'CONVOY_PLUGIN_DUPLICATE_NAME',
  /** No plugin is registered under the requested name. */
  NOT_FOUND: 'CONVOY_PLUGIN_NOT_FOUND',
  /** The deployment id is unknown to the store. */
  DEPLOYMENT_NOT_FOUND: 'CONVOY_PLUGIN_DEPLOYMENT_NOT_FOUND',
  /** A deployment with this id already exists (deploy), or is already running in this process (resume). */
  DEPLOYMENT_CONFLICT: 'CONVOY_PLUGIN_DEPLOYMENT_CONFLICT',
  /** The record belongs to another platform, or is in a state that does not allow the operation. */
  INVALID_STATE: 'CONVOY_PLUGIN_INVALID_STATE',
  /** The request (appspec, config, target settings) is invalid. */
  INVALID_REQUEST: 'CONVOY_PLUGIN_INVALID_REQUEST',
  /** The store could not read or write a record. */
  STORE_FAILURE: 'CONVOY_PLUGIN_STORE_FAILURE',
} as const;

export type PluginErrorCode = (typeof PLUGIN_ERROR_CODES)[keyof typeof PLUGIN_ERROR_CODES];

export class PluginError extends Error {
  override readonly name = 'PluginError';
  constructor(
    readonly code: PluginErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A validation failure in an AppSpec, naming the offending key. */
export class AppSpecInvalidError extends Error {
  override readonly name = 'AppSpecInvalidError';
  readonly code = 'INVALID_REVISION';
  constructor(
    message: string,
    /** Dotted path of the offending key, e.g. `Resources[0].Properties.TargetVersion`. */
    readonly key: string,
  ) {
    super(message);
  }
}

/**
 * Thrown inside a run to end it. `kind` decides the final status and which rollback policy applies:
 * failure → Failed (onFailure), alarm → Stopped (onAlarm), stop → Stopped (onStopRequest).
 */
export class DeploymentHalt extends Error {
  override readonly name = 'DeploymentHalt';
  constructor(
    readonly kind: 'failure' | 'alarm' | 'stop',
    readonly code: DeploymentErrorCode,
    message: string,
    options?: { cause?: unknown; rollback?: boolean },
  ) {
    super(message, options);
    this.rollbackOverride = options?.rollback;
  }
  readonly rollbackOverride: boolean | undefined;

  toDeploymentError(): DeploymentError {
    return { code: this.code, message: this.message };
  }
}

/** Throttling names as classified by the SDK's retry layer; seen here only once its retries ran out. */
const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ThrottledException',
]);

/** Maps an AWS SDK error thrown during a step to a halt, keeping the platform's own code for the rest. */
export function haltFromAwsError(err: unknown, code: DeploymentErrorCode, what: string): DeploymentHalt {
  if (err instanceof DeploymentHalt) return err;
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  if (THROTTLING_NAMES.has(name)) {
    return new DeploymentHalt('failure', 'THROTTLED', `${what}: throttled after SDK retries: ${message}`, { cause: err });
  }
  return new DeploymentHalt('failure', code, `${what}: ${name}: ${message}`, { cause: err });
}

export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
