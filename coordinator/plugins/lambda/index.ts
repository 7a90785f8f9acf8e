// The Lambda compute-platform plugin: `lambdaPlugin.create(init)(components)`.

import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { createEngine, type EngineInit } from '../engine.ts';
import type { HookGateway } from '../hooks.ts';
import { PLUGIN_API_VERSION, type Clock, type ComputePlatformPlugin, type PluginDeploymentStore, type PluginLogger } from '../types.ts';
import { lambdaDriver } from './driver.ts';

export type LambdaPluginInit = EngineInit;

export interface LambdaPluginComponents {
  readonly lambda: LambdaClient;
  readonly cloudwatch: CloudWatchClient;
  readonly store: PluginDeploymentStore;
  readonly clock: Clock;
  readonly logger: PluginLogger;
  readonly hooks: HookGateway;
}

export const lambdaPlugin: ComputePlatformPlugin<LambdaPluginInit, LambdaPluginComponents> = {
  meta: { name: 'lambda', apiVersion: PLUGIN_API_VERSION, computePlatform: 'Lambda' },
  create: (init = {}) => (components) => createEngine(lambdaDriver(components.lambda), components, init),
};

export { parseLambdaAppSpec, LAMBDA_HOOK_EVENTS, type LambdaAppSpec, type LambdaHookEvent } from './appspec.ts';
