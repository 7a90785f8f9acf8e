// Registry checks, the file store's atomic writes, the hook gateway's wire contract, and config resolution.

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ecsPlugin } from '../../coordinator/plugins/ecs/index.ts';
import { createHookGateway, createHookStatusHandler, HOOK_STATUS_TARGET } from '../../coordinator/plugins/hooks.ts';
import { lambdaPlugin } from '../../coordinator/plugins/lambda/index.ts';
import { PluginRegistry } from '../../coordinator/plugins/registry.ts';
import { ECS_PREDEFINED_CONFIGS, LAMBDA_PREDEFINED_CONFIGS, resolveDeploymentConfig, trafficSchedule } from '../../coordinator/plugins/schedule.ts';
import { FilePluginDeploymentStore } from '../../coordinator/plugins/store.ts';
import type { ComputePlatformPlugin, DeploymentRecord } from '../../coordinator/plugins/types.ts';
import { Harness } from './harness.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convoy-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(id: string, extra: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return { id, platform: 'lambda', request: { id, appspec: '' }, status: 'InProgress', cursor: { phase: 'Start', step: 0 }, state: {}, hooks: [], events: [], createdAt: 1, updatedAt: 1, ...extra };
}

describe('PluginRegistry', () => {
  it('registers both plugins, finds them by name and compute platform, and rejects duplicates', async () => {
    const h = await Harness.create();
    try {
      const registry = new PluginRegistry();
      const c = h.clients();
      const base = { store: h.store, clock: h.clock, logger: { debug() {}, info() {}, warn() {}, error() {} }, hooks: h.gateway };
      registry.register(lambdaPlugin, {}, { lambda: c.lambda, cloudwatch: c.cloudwatch, ...base });
      registry.register(ecsPlugin, { pollIntervalMs: 5_000 }, { ...c, ...base });
      expect(registry.names()).toEqual(['lambda', 'ecs']);
      expect(registry.get('ecs').name).toBe('ecs');
      expect(registry.forComputePlatform('Lambda')?.name).toBe('lambda');
      expect(() => registry.register(lambdaPlugin, {}, { lambda: c.lambda, cloudwatch: c.cloudwatch, ...base })).toThrow(expect.objectContaining({ code: 'CONVOY_PLUGIN_DUPLICATE_NAME' }));
      expect(() => registry.get('server')).toThrow(expect.objectContaining({ code: 'CONVOY_PLUGIN_NOT_FOUND' }));
    } finally {
      await h.close();
    }
  });

  it('rejects a plugin built for another API version or with a malformed name', () => {
    const registry = new PluginRegistry();
    const fake = (meta: unknown): ComputePlatformPlugin<unknown, unknown> => ({ meta: meta as never, create: () => () => ({}) as never });
    expect(() => registry.register(fake({ name: 'future', apiVersion: 2 }), {}, {})).toThrow(expect.objectContaining({ code: 'CONVOY_PLUGIN_API_VERSION_MISMATCH' }));
    expect(() => registry.register(fake({ name: 'Bad Name', apiVersion: 1 }), {}, {})).toThrow(expect.objectContaining({ code: 'CONVOY_PLUGIN_INVALID_META' }));
    expect(() => registry.register(fake(undefined), {}, {})).toThrow(expect.objectContaining({ code: 'CONVOY_PLUGIN_INVALID_META' }));
  });
});

describe('FilePluginDeploymentStore', () => {
  it('round-trips records, lists them, leaves no temp files, and serialises concurrent saves', async () => {
    const store = new FilePluginDeploymentStore(join(dir, 'deployments'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save(record('d-1', { updatedAt: i }))));
    await store.save(record('d-2'));
    expect(await store.list()).toEqual(['d-1', 'd-2']);
    expect((await store.load('d-1'))?.updatedAt).toBe(19);
    expect(await store.load('d-3')).toBeUndefined();
    expect((await readdir(join(dir, 'deployments'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // A second store over the same directory (a restarted coordinator) sees the same records.
    expect((await new FilePluginDeploymentStore(join(dir, 'deployments')).load('d-2'))?.id).toBe('d-2');
  });

  it('refuses unsafe ids and reports corrupt files with a stable code', async () => {
    const store = new FilePluginDeploymentStore(dir);
    await expect(store.save(record('../x'))).rejects.toMatchObject({ code: 'CONVOY_PLUGIN_INVALID_REQUEST' });
    await writeFile(join(dir, 'bad.json'), '{not json');
    await expect(store.load('bad')).rejects.toMatchObject({ code: 'CONVOY_PLUGIN_STORE_FAILURE' });
  });
});

describe('hook gateway', () => {
  it('speaks the CodeDeploy error contract', async () => {
    const store = new FilePluginDeploymentStore(dir);
    const gateway = createHookGateway({ store });
    await store.save(record('d-1', { hooks: [{ executionId: 'e-1', event: 'BeforeAllowTraffic', functionName: 'f', status: 'InProgress' }] }));
    const call = (body: unknown): Promise<string | undefined> => gateway.handleHookStatus(body).then((r) => r.body.__type ?? r.body.lifecycleEventHookExecutionId);
    expect(await call({ lifecycleEventHookExecutionId: 'e-1', status: 'Succeeded' })).toBe('DeploymentIdRequiredException');
    expect(await call({ deploymentId: 'd-9', lifecycleEventHookExecutionId: 'e-1', status: 'Succeeded' })).toBe('DeploymentDoesNotExistException');
    expect(await call({ deploymentId: 'd-1', lifecycleEventHookExecutionId: 'e-9', status: 'Succeeded' })).toBe('InvalidLifecycleEventHookExecutionIdException');
    expect(await call({ deploymentId: 'd-1', lifecycleEventHookExecutionId: 'e-1', status: 'Pending' })).toBe('InvalidLifecycleEventHookExecutionStatusException');
    expect(await call({ deploymentId: 'd-1', lifecycleEventHookExecutionId: 'e-1', status: 'Succeeded' })).toBe('e-1');
    expect(await call({ deploymentId: 'd-1', lifecycleEventHookExecutionId: 'e-1', status: 'Failed' })).toBe('LifecycleEventAlreadyCompletedException');
    expect(gateway.takeVerdict('e-1')).toBe('Succeeded');
    expect(typeof createHookStatusHandler(gateway)).toBe('function');
    expect(HOOK_STATUS_TARGET).toBe('CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus');
  });
});

describe('deployment configs', () => {
  it('resolves full, bare and SAM short names for every predefined config', () => {
    for (const name of Object.keys(LAMBDA_PREDEFINED_CONFIGS)) {
      expect(resolveDeploymentConfig(`CodeDeployDefault.${name}`, LAMBDA_PREDEFINED_CONFIGS, 'Lambda')).toBe(LAMBDA_PREDEFINED_CONFIGS[name]);
      expect(resolveDeploymentConfig(name.slice('Lambda'.length), LAMBDA_PREDEFINED_CONFIGS, 'Lambda')).toBe(LAMBDA_PREDEFINED_CONFIGS[name]);
    }
    for (const name of Object.keys(ECS_PREDEFINED_CONFIGS)) {
      expect(resolveDeploymentConfig(`CodeDeployDefault.${name}`, ECS_PREDEFINED_CONFIGS, 'ECS')).toBe(ECS_PREDEFINED_CONFIGS[name]);
    }
    expect(resolveDeploymentConfig('LambdaLinear10PercentEvery1Minutes', LAMBDA_PREDEFINED_CONFIGS, 'Lambda')).toBe(LAMBDA_PREDEFINED_CONFIGS['LambdaLinear10PercentEvery1Minute']);
  });

  it('rejects custom configs outside CodeDeploy limits', () => {
    const bad = [
      { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 100, canaryInterval: 5 } },
      { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 0 } },
      { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 1, linearInterval: 60 } },
      { type: 'Sideways' },
    ];
    for (const cfg of bad) expect(() => resolveDeploymentConfig(cfg as never, LAMBDA_PREDEFINED_CONFIGS, 'Lambda')).toThrow(expect.objectContaining({ code: 'CONVOY_PLUGIN_INVALID_REQUEST' }));
    expect(trafficSchedule({ type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 33, linearInterval: 1 } }).map((s) => s.percent)).toEqual([33, 66, 99, 100]);
  });
});
