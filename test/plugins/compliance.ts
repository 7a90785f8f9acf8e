// The scenarios every compute-platform plugin must pass (Lambda, ECS, and any later one).
// A fixture supplies a platform over prepared fake resources, a request factory for a multi-step
// deployment, and a snapshot of the traffic state the plugin controls.

import { describe, expect, it } from 'vitest';
import type { ComputePlatform, DeploymentRequest, PlatformEvent } from '../../coordinator/plugins/types.ts';

export interface ComplianceFixture {
  readonly platform: ComputePlatform;
  /** A valid AppSpec for this platform. */
  readonly validAppSpec: string;
  /** A request whose traffic shifts in at least three timed steps. */
  request(id: string): DeploymentRequest;
  /** The live traffic state (alias / listeners / task sets) as plain data. */
  snapshot(): unknown;
  close(): Promise<void>;
}

const GARBAGE = ['', '   ', 'not: [valid', '[1, 2, 3]', '{"version": 0.0}', 'version: 1.0\nResources: []', 'version: 0.0\nResources:\n  - x:\n      Type: AWS::Nope::Thing\n      Properties: {}'];

async function withFixture(setup: () => Promise<ComplianceFixture>, body: (f: ComplianceFixture) => Promise<void>): Promise<void> {
  const f = await setup();
  try {
    await body(f);
  } finally {
    await f.close();
  }
}

export function runComplianceSuite(name: string, setup: () => Promise<ComplianceFixture>): void {
  describe(`compute-platform compliance: ${name}`, () => {
    it('validate() accepts a valid AppSpec and rejects garbage with a clear INVALID_REVISION error', () =>
      withFixture(setup, async ({ platform, validAppSpec }) => {
        expect(platform.validate(validAppSpec)).toMatchObject({ ok: true });
        for (const text of GARBAGE) {
          const result = platform.validate(text);
          expect(result.ok, text).toBe(false);
          if (!result.ok) {
            expect(result.error.code).toBe('INVALID_REVISION');
            expect(result.error.message.length).toBeGreaterThan(5);
          }
        }
      }));

    it('deploy() rejects an invalid request before touching anything', () =>
      withFixture(setup, async (f) => {
        const before = f.snapshot();
        await expect(f.platform.deploy({ ...f.request('c-bad'), appspec: 'garbage: [' })).rejects.toMatchObject({ code: 'CONVOY_PLUGIN_INVALID_REQUEST' });
        await expect(f.platform.deploy({ ...f.request('../escape') })).rejects.toMatchObject({ code: 'CONVOY_PLUGIN_INVALID_REQUEST' });
        expect(f.snapshot()).toEqual(before);
      }));

    it('deploy() emits start first and end last, pairs step events, and refuses a duplicate id', () =>
      withFixture(setup, async (f) => {
        const events: PlatformEvent[] = [];
        f.platform.subscribe((e) => events.push(e));
        const result = await f.platform.deploy(f.request('c-ok'));
        expect(result.status).toBe('Succeeded');
        expect(events[0]).toMatchObject({ type: 'deployment:start', deploymentId: 'c-ok' });
        expect(events.at(-1)).toMatchObject({ type: 'deployment:end', status: 'Succeeded' });
        const starts = events.filter((e) => e.type === 'step:start').map((e) => (e as { step: string }).step);
        const ends = events.filter((e) => e.type === 'step:end').map((e) => (e as { step: string }).step);
        expect(ends).toEqual(starts);
        expect(events.filter((e) => e.type === 'traffic:shift').at(-1)).toMatchObject({ percent: 100 });
        await expect(f.platform.deploy(f.request('c-ok'))).rejects.toMatchObject({ code: 'CONVOY_PLUGIN_DEPLOYMENT_CONFLICT' });
        await expect(f.platform.resume('c-ok')).resolves.toMatchObject({ status: 'Succeeded' });
      }));

    it('stop() is honoured mid-shift and rolls traffic back to the pre-deployment state', () =>
      withFixture(setup, async (f) => {
        const before = f.snapshot();
        f.platform.subscribe((e) => {
          if (e.type === 'traffic:shift' && e.step === 1) void f.platform.stop('c-stop');
        });
        const result = await f.platform.deploy(f.request('c-stop'));
        expect(result).toMatchObject({ status: 'Stopped', error: { code: 'MANUAL_STOP' }, rollback: { status: 'Succeeded' } });
        expect(f.snapshot()).toEqual(before);
      }));

    it('rollback() restores a deployment stopped without rollback', () =>
      withFixture(setup, async (f) => {
        const before = f.snapshot();
        f.platform.subscribe((e) => {
          if (e.type === 'traffic:shift' && e.step === 1) void f.platform.stop('c-rb', { rollback: false });
        });
        const stopped = await f.platform.deploy(f.request('c-rb'));
        expect(stopped.status).toBe('Stopped');
        expect(f.snapshot()).not.toEqual(before);
        const rolled = await f.platform.rollback('c-rb');
        expect(rolled.rollback).toEqual({ status: 'Succeeded' });
        expect(f.snapshot()).toEqual(before);
      }));

    it('unknown ids fail with CONVOY_PLUGIN_DEPLOYMENT_NOT_FOUND', () =>
      withFixture(setup, async (f) => {
        await expect(f.platform.resume('c-missing')).rejects.toMatchObject({ code: 'CONVOY_PLUGIN_DEPLOYMENT_NOT_FOUND' });
        await expect(f.platform.stop('c-missing')).rejects.toMatchObject({ code: 'CONVOY_PLUGIN_DEPLOYMENT_NOT_FOUND' });
      }));
  });
}
