import { describe, expect, it } from 'vitest';
import {
  ALL_AT_ONCE,
  customConfig,
  DeploymentConfigError,
  HALF_AT_A_TIME,
  healthConstraintsValid,
  maxUnhealthy,
  minimumHealthy,
  ONE_AT_A_TIME,
  predefinedConfig,
  resolveConfig,
} from './config.ts';

describe('predefinedConfig()', () => {
  it('defaults to OneAtATime when no name is given', () => {
    expect(predefinedConfig().name).toBe(ONE_AT_A_TIME);
    expect(resolveConfig(undefined).name).toBe(ONE_AT_A_TIME);
  });
  it('throws on an unknown predefined name', () => {
    expect(() => predefinedConfig('CodeDeployDefault.Nope')).toThrow(DeploymentConfigError);
  });
});

describe('minimumHealthy() and maxUnhealthy()', () => {
  it('OneAtATime keeps all but one healthy (m = N − 1, K = 1)', () => {
    const c = predefinedConfig(ONE_AT_A_TIME);
    for (const n of [1, 2, 9, 10, 1000]) {
      expect(minimumHealthy(c, n)).toBe(n - 1);
      expect(maxUnhealthy(c, n)).toBe(1);
    }
  });
  it('OneAtATime with a single host is valid (m = 0) and deploys that host', () => {
    expect(healthConstraintsValid(predefinedConfig(ONE_AT_A_TIME), 1)).toBe(true);
  });
  it('HalfAtATime deploys half rounded down and needs half rounded up (9 → 4 at a time, m = 5)', () => {
    const c = predefinedConfig(HALF_AT_A_TIME);
    expect(minimumHealthy(c, 9)).toBe(5);
    expect(maxUnhealthy(c, 9)).toBe(4);
    expect(minimumHealthy(c, 10)).toBe(5);
    expect(maxUnhealthy(c, 10)).toBe(5);
  });
  it('HalfAtATime with one host has m = 1 ≥ N and fails at once', () => {
    expect(healthConstraintsValid(predefinedConfig(HALF_AT_A_TIME), 1)).toBe(false);
  });
  it('AllAtOnce has m = 0 and K = N', () => {
    const c = predefinedConfig(ALL_AT_ONCE);
    expect(minimumHealthy(c, 7)).toBe(0);
    expect(maxUnhealthy(c, 7)).toBe(7);
    expect(healthConstraintsValid(c, 1)).toBe(true);
  });
  it('HOST_COUNT is taken as is (N = 9, HOST_COUNT 6 → 3 at a time)', () => {
    const c = customConfig('six', 'HOST_COUNT', 6);
    expect(minimumHealthy(c, 9)).toBe(6);
    expect(maxUnhealthy(c, 9)).toBe(3);
  });
  it('FLEET_PERCENT rounds up once (40% of 9 → 4, 85% of 10 → 9, 95% of 10 → 10)', () => {
    expect(minimumHealthy(customConfig('p40', 'FLEET_PERCENT', 40), 9)).toBe(4);
    expect(maxUnhealthy(customConfig('p40', 'FLEET_PERCENT', 40), 9)).toBe(5);
    expect(minimumHealthy(customConfig('p85', 'FLEET_PERCENT', 85), 10)).toBe(9);
    expect(minimumHealthy(customConfig('p95', 'FLEET_PERCENT', 95), 10)).toBe(10);
    expect(minimumHealthy(customConfig('p0', 'FLEET_PERCENT', 0), 10)).toBe(0);
    expect(minimumHealthy(customConfig('p50', 'FLEET_PERCENT', 50), 3)).toBe(2);
  });
  it('N = 10: min 9 → one at a time, min 8 → two, min 0 → all', () => {
    expect(maxUnhealthy(customConfig('a', 'HOST_COUNT', 9), 10)).toBe(1);
    expect(maxUnhealthy(customConfig('b', 'HOST_COUNT', 8), 10)).toBe(2);
    expect(maxUnhealthy(customConfig('c', 'HOST_COUNT', 0), 10)).toBe(10);
  });
  it('m ≥ N makes the health constraints invalid and K = 0', () => {
    const c = customConfig('p95', 'FLEET_PERCENT', 95);
    expect(healthConstraintsValid(c, 10)).toBe(false);
    expect(maxUnhealthy(c, 10)).toBe(0);
    expect(healthConstraintsValid(customConfig('big', 'HOST_COUNT', 12), 10)).toBe(false);
    expect(maxUnhealthy(customConfig('big', 'HOST_COUNT', 12), 10)).toBe(0);
  });
  it('no targets is invalid', () => {
    expect(healthConstraintsValid(predefinedConfig(ALL_AT_ONCE), 0)).toBe(false);
  });
  it('rejects a negative host count', () => {
    expect(() => minimumHealthy(predefinedConfig(), -1)).toThrow(DeploymentConfigError);
  });
});

describe('customConfig()', () => {
  it('rejects FLEET_PERCENT above 99, negative or fractional values', () => {
    expect(() => customConfig('x', 'FLEET_PERCENT', 100)).toThrow(/between 0 and 99/);
    expect(() => customConfig('x', 'HOST_COUNT', -1)).toThrow(/non-negative/);
    expect(() => customConfig('x', 'HOST_COUNT', 1.5)).toThrow(/non-negative/);
  });
  it('rejects names with the reserved prefix or invalid characters', () => {
    expect(() => customConfig('CodeDeployDefault.Mine', 'HOST_COUNT', 1)).toThrow(/must not start/);
    expect(() => customConfig('bad name', 'HOST_COUNT', 1)).toThrow(/Invalid/);
    expect(() => customConfig('x'.repeat(101), 'HOST_COUNT', 1)).toThrow(/Invalid/);
  });
  it('resolveConfig() validates custom configs and refuses MOST_CONCURRENCY', () => {
    expect(resolveConfig({ name: 'ok', minimumHealthyHosts: { type: 'HOST_COUNT', value: 2 } }).name).toBe('ok');
    expect(() => resolveConfig({ name: 'ok', minimumHealthyHosts: { type: 'MOST_CONCURRENCY', value: 1 } })).toThrow(
      DeploymentConfigError,
    );
    expect(() => resolveConfig({ name: 'ok', minimumHealthyHosts: { type: 'FLEET_PERCENT', value: 120 } })).toThrow();
  });
});
