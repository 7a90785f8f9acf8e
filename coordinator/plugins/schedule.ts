// Deployment configs (predefined and custom) and the traffic schedule they produce.
//
// Decisions where AWS is silent (reference §5.3): step k (0-based) is applied k intervals after shifting
// starts; linear steps add p% until the next one would reach or pass 100, and the last step moves the rest
// (so 10%/1 min is 10..90% at t0..t8 and 100% at t9; 15% is 15..90% then 100%).

import { PLUGIN_ERROR_CODES, PluginError } from './errors.ts';
import type { TrafficRoutingConfig } from './types.ts';

const MINUTE_MS = 60_000;
/** CodeDeploy limit: at most 2880 minutes between the first and the last shift. */
export const MAX_SHIFT_MINUTES = 2880;

export interface TrafficStep {
  /** Offset from the start of shifting. */
  readonly atMs: number;
  /** Integer percentage of traffic on the new version/task set after this step (100 on the last). */
  readonly percent: number;
}

const canary = (p: number, m: number): TrafficRoutingConfig => ({ type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: p, canaryInterval: m } });
const linear = (p: number, m: number): TrafficRoutingConfig => ({ type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: p, linearInterval: m } });
const ALL_AT_ONCE: TrafficRoutingConfig = { type: 'AllAtOnce' };

/** Keys are the names after `CodeDeployDefault.`. */
export const LAMBDA_PREDEFINED_CONFIGS: Readonly<Record<string, TrafficRoutingConfig>> = {
  LambdaAllAtOnce: ALL_AT_ONCE,
  LambdaCanary10Percent5Minutes: canary(10, 5),
  LambdaCanary10Percent10Minutes: canary(10, 10),
  LambdaCanary10Percent15Minutes: canary(10, 15),
  LambdaCanary10Percent30Minutes: canary(10, 30),
  LambdaLinear10PercentEvery1Minute: linear(10, 1),
  LambdaLinear10PercentEvery2Minutes: linear(10, 2),
  LambdaLinear10PercentEvery3Minutes: linear(10, 3),
  LambdaLinear10PercentEvery10Minutes: linear(10, 10),
};

export const ECS_PREDEFINED_CONFIGS: Readonly<Record<string, TrafficRoutingConfig>> = {
  ECSAllAtOnce: ALL_AT_ONCE,
  ECSLinear10PercentEvery1Minutes: linear(10, 1),
  ECSLinear10PercentEvery3Minutes: linear(10, 3),
  ECSCanary10Percent5Minutes: canary(10, 5),
  ECSCanary10Percent15Minutes: canary(10, 15),
};

/**
 * Resolves `CodeDeployDefault.<Name>`, the bare `<Name>`, SAM's short form (`Canary10Percent5Minutes`, which
 * SAM expands to `CodeDeployDefault.Lambda<Name>`) or a custom config. `Every1Minute`/`Every1Minutes` are
 * accepted in either spelling. Throws CONVOY_PLUGIN_INVALID_REQUEST.
 */
export function resolveDeploymentConfig(
  config: string | TrafficRoutingConfig | undefined,
  predefined: Readonly<Record<string, TrafficRoutingConfig>>,
  prefix: 'Lambda' | 'ECS',
): TrafficRoutingConfig {
  if (config === undefined) return ALL_AT_ONCE;
  if (typeof config !== 'string') {
    checkRoutingConfig(config);
    return config;
  }
  const bare = config.startsWith('CodeDeployDefault.') ? config.slice('CodeDeployDefault.'.length) : config;
  const candidates = [bare, prefix + bare];
  for (const c of [...candidates]) {
    if (c.endsWith('Minute')) candidates.push(c + 's');
    if (c.endsWith('1Minutes')) candidates.push(c.slice(0, -1));
  }
  for (const c of candidates) {
    const hit = predefined[c];
    if (hit !== undefined) return hit;
  }
  throw new PluginError(
    PLUGIN_ERROR_CODES.INVALID_REQUEST,
    `Unknown deployment config "${config}"; expected one of ${Object.keys(predefined).map((k) => 'CodeDeployDefault.' + k).join(', ')} or a custom trafficRoutingConfig`,
  );
}

function checkPercentAndInterval(what: string, percent: unknown, interval: unknown): void {
  if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 1 || percent > 99) {
    throw new PluginError(PLUGIN_ERROR_CODES.INVALID_REQUEST, `${what} percentage must be an integer from 1 to 99: ${String(percent)}`);
  }
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 1 || interval > MAX_SHIFT_MINUTES) {
    throw new PluginError(PLUGIN_ERROR_CODES.INVALID_REQUEST, `${what} interval must be whole minutes from 1 to ${MAX_SHIFT_MINUTES}: ${String(interval)}`);
  }
}

export function checkRoutingConfig(config: TrafficRoutingConfig): void {
  switch (config.type) {
    case 'AllAtOnce':
      return;
    case 'TimeBasedCanary':
      checkPercentAndInterval('Canary', config.timeBasedCanary?.canaryPercentage, config.timeBasedCanary?.canaryInterval);
      return;
    case 'TimeBasedLinear': {
      const { linearPercentage, linearInterval } = config.timeBasedLinear ?? {};
      checkPercentAndInterval('Linear', linearPercentage, linearInterval);
      const last = trafficSchedule(config).at(-1)!;
      if (last.atMs > MAX_SHIFT_MINUTES * MINUTE_MS) {
        throw new PluginError(PLUGIN_ERROR_CODES.INVALID_REQUEST, `Linear config shifts for ${last.atMs / MINUTE_MS} minutes, over the ${MAX_SHIFT_MINUTES}-minute limit`);
      }
      return;
    }
    default:
      throw new PluginError(PLUGIN_ERROR_CODES.INVALID_REQUEST, `Unknown traffic routing type ${JSON.stringify((config as { type?: unknown }).type)}`);
  }
}

export function trafficSchedule(config: TrafficRoutingConfig): TrafficStep[] {
  switch (config.type) {
    case 'AllAtOnce':
      return [{ atMs: 0, percent: 100 }];
    case 'TimeBasedCanary': {
      const { canaryPercentage, canaryInterval } = config.timeBasedCanary;
      return [
        { atMs: 0, percent: canaryPercentage },
        { atMs: canaryInterval * MINUTE_MS, percent: 100 },
      ];
    }
    case 'TimeBasedLinear': {
      const { linearPercentage: p, linearInterval: m } = config.timeBasedLinear;
      const steps: TrafficStep[] = [];
      for (let k = 1; k * p < 100; k++) steps.push({ atMs: (k - 1) * m * MINUTE_MS, percent: k * p });
      steps.push({ atMs: steps.length * m * MINUTE_MS, percent: 100 });
      return steps;
    }
  }
}
