// Public surface of the compute-platform plugins.

export * from './types.ts';
export { PLUGIN_ERROR_CODES, PluginError, type PluginErrorCode } from './errors.ts';
export { PluginRegistry, checkPluginMeta } from './registry.ts';
export { FilePluginDeploymentStore, MemoryPluginDeploymentStore } from './store.ts';
export { systemClock } from './clock.ts';
export { createHookGateway, createHookStatusHandler, HOOK_STATUS_TARGET, type HookGateway, type HookStatusResponse, type HookVerdict } from './hooks.ts';
export { LAMBDA_PREDEFINED_CONFIGS, ECS_PREDEFINED_CONFIGS, trafficSchedule, resolveDeploymentConfig, type TrafficStep } from './schedule.ts';
export { createEngine, type PlatformDriver, type Phase, type RunContext, type EngineComponents, type EngineInit } from './engine.ts';
export { lambdaPlugin, type LambdaPluginInit, type LambdaPluginComponents } from './lambda/index.ts';
export { ecsPlugin, ecsTargetSchema, type EcsPluginInit, type EcsPluginComponents, type EcsTarget } from './ecs/index.ts';
