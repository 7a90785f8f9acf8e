// Lambda traffic shifting on an alias, as CodeDeploy does it (reference §1.5):
// Start (GetAlias pre-checks, GetFunctionConfiguration of the target) → BeforeAllowTraffic hook →
// AllowTraffic (UpdateAlias: FunctionVersion=Current with AdditionalVersionWeights {Target: w} per step, then
// FunctionVersion=Target with an empty map) → AfterAllowTraffic hook.
// Rollback: FunctionVersion=Current, weights cleared.

import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  UpdateAliasCommand,
  type AliasConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { DeploymentHalt, PLUGIN_ERROR_CODES, PluginError, errorName } from '../errors.ts';
import type { Phase, PlatformDriver, RunContext } from '../engine.ts';
import { LAMBDA_PREDEFINED_CONFIGS, resolveDeploymentConfig, trafficSchedule } from '../schedule.ts';
import type { DeploymentRequest } from '../types.ts';
import { parseLambdaAppSpec, type LambdaAppSpec } from './appspec.ts';

type Ctx = RunContext<LambdaAppSpec>;

interface AliasShape {
  readonly version: string;
  readonly weights: Readonly<Record<string, number>>;
}

function shapeOf(alias: AliasConfiguration): AliasShape {
  return { version: alias.FunctionVersion ?? '', weights: alias.RoutingConfig?.AdditionalVersionWeights ?? {} };
}

function sameShape(a: AliasShape, b: AliasShape): boolean {
  const ka = Object.keys(a.weights).sort();
  const kb = Object.keys(b.weights).sort();
  return a.version === b.version && ka.length === kb.length && ka.every((k, i) => k === kb[i] && a.weights[k] === b.weights[k]);
}

/** The alias after a step at `percent` (integer; 100 = final). */
function desiredShape(spec: LambdaAppSpec, percent: number): AliasShape {
  return percent >= 100
    ? { version: spec.targetVersion, weights: {} }
    : { version: spec.currentVersion, weights: { [spec.targetVersion]: percent / 100 } };
}

export function lambdaDriver(lambda: LambdaClient): PlatformDriver<LambdaAppSpec> {
  const getAlias = (ctx: Ctx, what: string): Promise<AliasConfiguration> =>
    ctx.call(what, 'INVALID_LAMBDA_CONFIGURATION', (signal) =>
      lambda.send(new GetAliasCommand({ FunctionName: ctx.parsed.functionName, Name: ctx.parsed.alias }), { abortSignal: signal }),
    );

  const updateAlias = (ctx: Ctx, shape: AliasShape, revisionId: string | undefined, signal: AbortSignal): Promise<AliasConfiguration> =>
    lambda.send(
      new UpdateAliasCommand({
        FunctionName: ctx.parsed.functionName,
        Name: ctx.parsed.alias,
        FunctionVersion: shape.version,
        RoutingConfig: { AdditionalVersionWeights: { ...shape.weights } },
        ...(revisionId === undefined ? {} : { RevisionId: revisionId }),
      }),
      { abortSignal: signal },
    );

  /** Moves the alias to `want`, guarded by the last RevisionId we wrote; a foreign change fails the run. */
  async function applyShape(ctx: Ctx, want: AliasShape, previous: AliasShape, retry: boolean): Promise<void> {
    let revision = ctx.record.state['revisionId'] as string | undefined;
    if (retry) {
      const now = await getAlias(ctx, 'GetAlias (resume)');
      if (sameShape(shapeOf(now), want)) {
        ctx.record.state['revisionId'] = now.RevisionId ?? null;
        return;
      }
      if (!sameShape(shapeOf(now), previous)) throw staleAlias(ctx, now);
      revision = now.RevisionId;
    }
    const out = await ctx.call('UpdateAlias', 'INVALID_LAMBDA_CONFIGURATION', async (signal) => {
      try {
        return await updateAlias(ctx, want, revision, signal);
      } catch (err) {
        if (errorName(err) !== 'PreconditionFailedException') throw err;
        return undefined;
      }
    });
    if (out !== undefined) {
      ctx.record.state['revisionId'] = out.RevisionId ?? null;
      return;
    }
    // RevisionId was stale: accept only if the alias already shows what we wanted.
    const now = await getAlias(ctx, 'GetAlias (after PreconditionFailed)');
    if (!sameShape(shapeOf(now), want)) throw staleAlias(ctx, now);
    ctx.record.state['revisionId'] = now.RevisionId ?? null;
  }

  function staleAlias(ctx: Ctx, now: AliasConfiguration): DeploymentHalt {
    return new DeploymentHalt(
      'failure',
      'INVALID_LAMBDA_CONFIGURATION',
      `Alias ${ctx.parsed.functionName}:${ctx.parsed.alias} was changed outside this deployment (now version ${now.FunctionVersion ?? '?'}, weights ${JSON.stringify(now.RoutingConfig?.AdditionalVersionWeights ?? {})})`,
    );
  }

  const hookPhase = (event: 'BeforeAllowTraffic' | 'AfterAllowTraffic'): Phase<LambdaAppSpec> => ({
    name: event,
    async run(ctx) {
      const fn = ctx.parsed.hooks[event];
      if (fn === undefined) return 'Skipped';
      await ctx.runHook(event, fn);
    },
  });

  return {
    name: 'lambda',
    parseAppSpec: parseLambdaAppSpec,

    summarize: (spec) => ({
      functionName: spec.functionName,
      alias: spec.alias,
      currentVersion: spec.currentVersion,
      targetVersion: spec.targetVersion,
      hooks: { ...spec.hooks },
    }),

    checkRequest(request: DeploymentRequest) {
      resolveDeploymentConfig(request.deploymentConfig, LAMBDA_PREDEFINED_CONFIGS, 'Lambda');
      if (request.target !== undefined && Object.keys(request.target).length > 0) {
        throw new PluginError(PLUGIN_ERROR_CODES.INVALID_REQUEST, 'Lambda deployments take no target settings; the AppSpec names the function and alias');
      }
    },

    phases(spec, request) {
      const steps = trafficSchedule(resolveDeploymentConfig(request.deploymentConfig, LAMBDA_PREDEFINED_CONFIGS, 'Lambda'));
      return [
        {
          name: 'Start',
          async run(ctx) {
            const alias = await getAlias(ctx, `GetAlias ${spec.functionName}:${spec.alias}`).catch((err: unknown) => {
              if (err instanceof DeploymentHalt && /ResourceNotFoundException/.test(err.message)) {
                throw new DeploymentHalt('failure', 'INVALID_LAMBDA_FUNCTION', err.message, { cause: err });
              }
              throw err;
            });
            const weights = alias.RoutingConfig?.AdditionalVersionWeights ?? {};
            if (alias.FunctionVersion !== spec.currentVersion) {
              throw new DeploymentHalt(
                'failure',
                'INVALID_LAMBDA_CONFIGURATION',
                `The Lambda function alias version does not match the current version in AppSpec file: alias ${spec.alias} points at ${alias.FunctionVersion ?? '?'}, AppSpec CurrentVersion is ${spec.currentVersion}`,
              );
            }
            if (Object.keys(weights).length > 0) {
              throw new DeploymentHalt('failure', 'INVALID_LAMBDA_CONFIGURATION', `Alias ${spec.alias} already splits traffic ${JSON.stringify(weights)}; clear its routing config first`);
            }
            const target = await ctx.call(`GetFunctionConfiguration ${spec.functionName}:${spec.targetVersion}`, 'INVALID_LAMBDA_FUNCTION', (signal) =>
              lambda.send(new GetFunctionConfigurationCommand({ FunctionName: spec.functionName, Qualifier: spec.targetVersion }), { abortSignal: signal }),
            );
            if (target.State !== undefined && target.State !== 'Active') {
              throw new DeploymentHalt('failure', 'INVALID_LAMBDA_FUNCTION', `Target version ${spec.targetVersion} is ${target.State}, not Active`);
            }
            ctx.record.state['revisionId'] = alias.RevisionId ?? null;
            ctx.record.state['originalVersion'] = spec.currentVersion;
            await ctx.save();
          },
        },
        hookPhase('BeforeAllowTraffic'),
        {
          name: 'AllowTraffic',
          async run(ctx) {
            await ctx.shiftTraffic(steps, async (percent, index, retry) => {
              const previous: AliasShape = index === 0 ? { version: spec.currentVersion, weights: {} } : desiredShape(spec, steps[index - 1]!.percent);
              await applyShape(ctx, desiredShape(spec, percent), previous, retry);
            });
          },
        },
        hookPhase('AfterAllowTraffic'),
      ];
    },

    async restore(ctx) {
      const touched = ctx.record.cursor.shiftStartedAt !== undefined;
      if (!touched) return 'NotNeeded';
      const spec = ctx.parsed;
      const original: AliasShape = { version: spec.currentVersion, weights: {} };
      const now = await getAlias(ctx, 'GetAlias (rollback)');
      if (sameShape(shapeOf(now), original)) return 'Succeeded';
      const out = await ctx.call('UpdateAlias (rollback)', 'INVALID_LAMBDA_CONFIGURATION', (signal) => updateAlias(ctx, original, now.RevisionId, signal));
      ctx.record.state['revisionId'] = out.RevisionId ?? null;
      return 'Succeeded';
    },
  };
}
