// The Lambda compute-platform plugin: `lambdaPlugin.create(init)(components)`.

import { createEngine, type EngineComponents, type EngineInit } from '../engine.ts';
import { PLUGIN_API_VERSION, type ComputePlatformPlugin } from '../types.ts';
import { lambdaDriver } from './driver.ts';

export type LambdaPluginInit = EngineInit;

/** Lambda needs nothing beyond what every platform gets (hooks are Lambda functions too). */
export type LambdaPluginComponents = EngineComponents;

export const lambdaPlugin: ComputePlatformPlugin<LambdaPluginInit, LambdaPluginComponents> = {
  meta: { name: 'lambda', apiVersion: PLUGIN_API_VERSION, computePlatform: 'Lambda' },
  create: (init = {}) => (components) => createEngine(lambdaDriver(components.lambda), components, init),
};

export { parseLambdaAppSpec, LAMBDA_HOOK_EVENTS, type LambdaAppSpec, type LambdaHookEvent } from './appspec.ts';
