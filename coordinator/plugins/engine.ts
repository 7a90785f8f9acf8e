// The shared deployment engine: turns a PlatformDriver (phases + restore) into a ComputePlatform.
//
// Durability contract: every phase boundary, hook invocation, traffic step and event is saved to the store
// before the run moves on, and each AWS call that changes traffic is bracketed by an "in flight" mark. A new
// engine over the same store continues an InProgress record from its cursor (`resume`): finished phases are
// not repeated, hooks already invoked are not invoked again, and the traffic schedule keeps its original
// start time, so a restart neither starts over nor leaves traffic split.

import { randomUUID } from 'node:crypto';
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { AppSpecInvalidError, DeploymentHalt, PLUGIN_ERROR_CODES, PluginError, haltFromAwsError } from './errors.ts';
import type { HookGateway } from './hooks.ts';
import type { TrafficStep } from './schedule.ts';
import { assertDeploymentId } from './store.ts';
import type {
  Clock,
  ComputePlatform,
  DeploymentErrorCode,
  DeploymentRecord,
  DeploymentRequest,
  DeploymentResult,
  HookExecution,
  JsonValue,
  PlatformEvent,
  PluginDeploymentStore,
  PluginLogger,
  StopOptions,
  ValidationResult,
} from './types.ts';

/** Components every platform needs: hooks are Lambda functions and alarms are CloudWatch alarms. */
export interface EngineComponents {
  readonly lambda: LambdaClient;
  readonly cloudwatch: CloudWatchClient;
  readonly store: PluginDeploymentStore;
  readonly clock: Clock;
  readonly logger: PluginLogger;
  readonly hooks: HookGateway;
}

export interface EngineInit {
  /** How long a hook may take to report its verdict. CodeDeploy's limit per lifecycle event: 3600 s. */
  readonly hookTimeoutMs?: number;
  /** Alarm poll period during waits (AWS does not document CodeDeploy's; one minute as in AWS samples). */
  readonly alarmPollIntervalMs?: number;
}

export const DEFAULT_HOOK_TIMEOUT_MS = 3_600_000;
export const DEFAULT_ALARM_POLL_INTERVAL_MS = 60_000;
/** CodeDeploy allows at most 10 alarms per deployment group. */
export const MAX_ALARMS = 10;

export interface Phase<P> {
  readonly name: string;
  /** Returns 'Skipped' when the phase had nothing to do (e.g. a hook event with no hook). */
  run(ctx: RunContext<P>): Promise<void | 'Skipped'>;
}

export interface PlatformDriver<P> {
  readonly name: string;
  /** Throws AppSpecInvalidError naming the offending key. */
  parseAppSpec(text: string): P;
  summarize(parsed: P): Record<string, JsonValue>;
  /** Checks deploymentConfig and target settings; throws PluginError(INVALID_REQUEST). */
  checkRequest(request: DeploymentRequest, parsed: P): void;
  phases(parsed: P, request: DeploymentRequest): readonly Phase<P>[];
  /** Puts traffic back as it was before the deployment, from `ctx.record.state`. */
  restore(ctx: RunContext<P>): Promise<'Succeeded' | 'NotNeeded'>;
}

type EventBody = PlatformEvent extends infer E ? (E extends PlatformEvent ? Omit<E, 'deploymentId' | 'at'> : never) : never;

/** What a phase can do: persist, emit, call AWS with error mapping, run hooks, wait while watching alarms. */
export class RunContext<P> {
  constructor(
    readonly record: DeploymentRecord,
    readonly parsed: P,
    readonly signal: AbortSignal,
    private readonly components: EngineComponents,
    private readonly settings: { hookTimeoutMs: number; alarmPollIntervalMs: number },
    private readonly notify: (event: PlatformEvent) => void,
  ) {}

  get request(): DeploymentRequest {
    return this.record.request;
  }
  get clock(): Clock {
    return this.components.clock;
  }
  get logger(): PluginLogger {
    return this.components.logger;
  }

  async save(): Promise<void> {
    this.record.updatedAt = this.clock.now();
    await this.components.store.save(this.record);
  }

  async emit(body: EventBody): Promise<void> {
    const event = { ...body, deploymentId: this.record.id, at: this.clock.now() } as PlatformEvent;
    this.record.events.push(event);
    await this.save();
    this.notify(event);
  }

  /** Throws the abort reason if the run was stopped or suspended. */
  checkAborted(): void {
    if (this.signal.aborted) throw this.signal.reason;
  }

  /** Runs one AWS call with the run's signal; other errors become a failure halt with `code`. */
  async call<T>(what: string, code: DeploymentErrorCode, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.checkAborted();
    try {
      return await fn(this.signal);
    } catch (err) {
      this.checkAborted();
      throw haltFromAwsError(err, code, what);
    }
  }

  get alarmsEnabled(): boolean {
    const cfg = this.request.alarmConfiguration;
    return cfg !== undefined && cfg.enabled !== false && cfg.alarms.length > 0;
  }

  /** DescribeAlarms; any alarm in ALARM halts the run (Stopped, ALARM_ACTIVE). */
  async pollAlarms(): Promise<void> {
    const cfg = this.request.alarmConfiguration;
    if (cfg === undefined || !this.alarmsEnabled) return;
    this.checkAborted();
    let active: string[];
    try {
      const out = await this.components.cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmNames: [...cfg.alarms], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
        { abortSignal: this.signal },
      );
      active = [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]
        .filter((a) => a.StateValue === 'ALARM')
        .map((a) => a.AlarmName ?? '?');
    } catch (err) {
      this.checkAborted();
      if (cfg.ignorePollAlarmFailure === true) {
        this.logger.warn({ deploymentId: this.record.id, err }, 'cannot read alarm state; continuing (ignorePollAlarmFailure)');
        return;
      }
      throw new DeploymentHalt('alarm', 'ALARM_ACTIVE', `Cannot read alarm state: ${(err as Error).message}`, { cause: err });
    }
    if (active.length > 0) {
      await this.emit({ type: 'alarm:active', alarms: active });
      throw new DeploymentHalt('alarm', 'ALARM_ACTIVE', `Alarm in ALARM state: ${active.join(', ')}`);
    }
  }

  /** Sleeps until `deadline`, polling alarms every alarmPollIntervalMs when alarms are configured. */
  async waitUntil(deadline: number): Promise<void> {
    for (;;) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) return;
      const chunk = this.alarmsEnabled ? Math.min(remaining, this.settings.alarmPollIntervalMs) : remaining;
      await this.clock.sleep(chunk, this.signal);
      await this.pollAlarms();
    }
  }

  /**
   * Shifts traffic along `steps`, timed from the persisted shift start. `apply(percent, index, retry)` must be
   * idempotent: `retry` is true when a previous run crashed with this step in flight.
   */
  async shiftTraffic(steps: readonly TrafficStep[], apply: (percent: number, index: number, retry: boolean) => Promise<void>): Promise<void> {
    const cursor = this.record.cursor;
    if (cursor.shiftStartedAt === undefined) {
      cursor.shiftStartedAt = this.clock.now();
      cursor.step = 0;
      await this.save();
    }
    for (let i = cursor.step; i < steps.length; i++) {
      const step = steps[i]!;
      await this.waitUntil(cursor.shiftStartedAt + step.atMs);
      await this.pollAlarms();
      const retry = cursor.inFlight === i;
      cursor.inFlight = i;
      await this.save();
      await apply(step.percent, i, retry);
      cursor.step = i + 1;
      delete cursor.inFlight;
      await this.emit({ type: 'traffic:shift', step: i, steps: steps.length, percent: step.percent });
    }
  }

  /**
   * Runs one lifecycle hook as CodeDeploy does: async Invoke with {DeploymentId, LifecycleEventHookExecutionId},
   * then wait for PutLifecycleEventHookExecutionStatus until the hook timeout. Fails the run on Failed/timeout.
   */
  async runHook(event: string, functionName: string): Promise<void> {
    let exec: HookExecution | undefined = this.record.hooks.find((h) => h.event === event);
    if (exec === undefined) {
      exec = { executionId: randomUUID(), event, functionName, status: 'Pending' };
      this.record.hooks.push(exec);
      await this.save();
    }
    if (exec.status === 'Succeeded') return;
    if (exec.invokedAt === undefined) {
      const payload = JSON.stringify({ DeploymentId: this.record.id, LifecycleEventHookExecutionId: exec.executionId });
      try {
        this.checkAborted();
        await this.components.lambda.send(
          new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(payload) }),
          { abortSignal: this.signal },
        );
      } catch (err) {
        this.checkAborted();
        await this.finishHook(exec, 'Failed', 'invoke-error');
        throw new DeploymentHalt('failure', 'HOOK_EXECUTION_FAILURE', `${event} hook ${functionName}: invoke failed: ${(err as Error).name}: ${(err as Error).message}`, { cause: err });
      }
      exec.invokedAt = this.clock.now();
      exec.deadline = exec.invokedAt + this.settings.hookTimeoutMs;
      exec.status = 'InProgress';
      await this.emit({ type: 'hook:start', hook: event, functionName, executionId: exec.executionId });
    }
    const deadline = exec.deadline ?? this.clock.now() + this.settings.hookTimeoutMs;
    for (;;) {
      const verdict = this.components.hooks.takeVerdict(exec.executionId);
      if (verdict !== undefined) {
        await this.finishHook(exec, verdict, 'verdict');
        if (verdict === 'Failed') throw new DeploymentHalt('failure', 'HOOK_EXECUTION_FAILURE', `${event} hook ${functionName} reported Failed`);
        return;
      }
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) {
        await this.finishHook(exec, 'Failed', 'timeout');
        throw new DeploymentHalt('failure', 'TIMEOUT', `${event} hook ${functionName} did not report a verdict within ${this.settings.hookTimeoutMs} ms`);
      }
      const chunk = this.alarmsEnabled ? Math.min(remaining, this.settings.alarmPollIntervalMs) : remaining;
      await this.sleepOrVerdict(exec.executionId, chunk);
      await this.pollAlarms();
    }
  }

  private async finishHook(exec: HookExecution, status: 'Succeeded' | 'Failed', reason: HookExecution['reason'] & string): Promise<void> {
    exec.status = status;
    exec.reason = reason;
    this.components.hooks.settle(exec.executionId);
    await this.emit({ type: 'hook:end', hook: exec.event, executionId: exec.executionId, status, reason });
  }

  private async sleepOrVerdict(executionId: string, ms: number): Promise<void> {
    const done = new AbortController();
    const signal = AbortSignal.any([this.signal, done.signal]);
    const quiet = (p: Promise<void>): Promise<void> => p.catch(() => undefined);
    try {
      await Promise.race([quiet(this.clock.sleep(ms, signal)), quiet(this.components.hooks.waitForVerdict(executionId, signal))]);
    } finally {
      done.abort();
    }
    this.checkAborted();
  }
}

interface Running {
  readonly controller: AbortController;
  readonly done: Promise<DeploymentResult>;
}

function resultOf(record: DeploymentRecord): DeploymentResult {
  return {
    id: record.id,
    status: record.status,
    ...(record.error ? { error: record.error } : {}),
    ...(record.rollback ? { rollback: record.rollback } : {}),
  };
}

function shouldRollback(request: DeploymentRequest, halt: DeploymentHalt): boolean {
  if (halt.rollbackOverride !== undefined) return halt.rollbackOverride;
  const policy = request.autoRollback ?? {};
  if (halt.kind === 'failure') return policy.onFailure ?? true;
  if (halt.kind === 'alarm') return policy.onAlarm ?? true;
  return policy.onStopRequest ?? true;
}

export function createEngine<P>(driver: PlatformDriver<P>, components: EngineComponents, init: EngineInit = {}): ComputePlatform {
  const settings = {
    hookTimeoutMs: init.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS,
    alarmPollIntervalMs: init.alarmPollIntervalMs ?? DEFAULT_ALARM_POLL_INTERVAL_MS,
  };
  const listeners = new Set<(event: PlatformEvent) => void>();
  const running = new Map<string, Running>();
  const notify = (event: PlatformEvent): void => {
    for (const l of listeners) {
      try {
        l(event);
      } catch (err) {
        components.logger.warn({ err }, 'platform event listener threw');
      }
    }
  };

  function parse(text: string): P {
    try {
      return driver.parseAppSpec(text);
    } catch (err) {
      if (err instanceof AppSpecInvalidError) {
        throw new PluginError(PLUGIN_ERROR_CODES.INVALID_REQUEST, `Invalid AppSpec: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  async function loadOwn(id: string): Promise<DeploymentRecord> {
    assertDeploymentId(id);
    const record = await components.store.load(id);
    if (record === undefined) throw new PluginError(PLUGIN_ERROR_CODES.DEPLOYMENT_NOT_FOUND, `No deployment "${id}"`);
    if (record.platform !== driver.name) {
      throw new PluginError(PLUGIN_ERROR_CODES.INVALID_STATE, `Deployment "${id}" belongs to platform "${record.platform}", not "${driver.name}"`);
    }
    return record;
  }

  /** Rolls back (per policy) and settles a halted record. Uses `signal` only to allow suspension. */
  async function settleHalt(ctx: RunContext<P>, halt: DeploymentHalt, rollback: boolean): Promise<void> {
    const record = ctx.record;
    record.error ??= halt.toDeploymentError();
    record.state['haltKind'] = halt.kind;
    if (rollback && record.rollback?.status !== 'InProgress') {
      record.rollback = { status: 'InProgress' };
      await ctx.emit({ type: 'rollback:start' });
    }
    if (record.rollback?.status === 'InProgress') await finishRollback(ctx);
    record.status = halt.kind === 'failure' ? 'Failed' : 'Stopped';
    await ctx.emit({ type: 'deployment:end', status: record.status, ...(record.error ? { error: record.error } : {}) });
  }

  async function finishRollback(ctx: RunContext<P>): Promise<void> {
    const record = ctx.record;
    try {
      const outcome = await driver.restore(ctx);
      record.rollback = { status: outcome };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      record.rollback = { status: 'Failed', message: `${(err as Error).name}: ${(err as Error).message}` };
      components.logger.error({ deploymentId: record.id, err }, 'rollback failed');
    }
    const rb = record.rollback;
    await ctx.emit({ type: 'rollback:end', status: rb.status === 'InProgress' ? 'Failed' : rb.status, ...(rb.message ? { message: rb.message } : {}) });
  }

  function start(record: DeploymentRecord, parsed: P, external: AbortSignal | undefined, resumed: boolean): Promise<DeploymentResult> {
    const controller = new AbortController();
    const signal = external ? AbortSignal.any([controller.signal, external]) : controller.signal;
    const ctx = new RunContext(record, parsed, signal, components, settings, notify);
    const done = (async (): Promise<DeploymentResult> => {
      try {
        await drive(ctx, resumed);
      } catch (err) {
        if (!controller.signal.aborted && external?.aborted) {
          components.logger.info({ deploymentId: record.id, phase: record.cursor.phase }, 'deployment suspended');
          return resultOf(record);
        }
        const halt =
          controller.signal.aborted && controller.signal.reason instanceof DeploymentHalt
            ? controller.signal.reason
            : err instanceof DeploymentHalt
              ? err
              : haltFromAwsError(err, 'INTERNAL_ERROR', `phase ${record.cursor.phase}`);
        components.logger.warn({ deploymentId: record.id, code: halt.code, err: halt.message }, 'deployment halted');
        const settleCtx = new RunContext(record, parsed, external ?? new AbortController().signal, components, settings, notify);
        try {
          await settleHalt(settleCtx, halt, shouldRollback(record.request, halt));
        } catch (settleErr) {
          if (external?.aborted) return resultOf(record);
          throw settleErr;
        }
      } finally {
        running.delete(record.id);
      }
      return resultOf(record);
    })();
    running.set(record.id, { controller, done });
    return done;
  }

  async function drive(ctx: RunContext<P>, resumed: boolean): Promise<void> {
    const record = ctx.record;
    if (record.rollback?.status === 'InProgress') {
      // Crashed during a halt's rollback: finish it.
      const kind = (record.state['haltKind'] as DeploymentHalt['kind'] | undefined) ?? 'failure';
      throw new DeploymentHalt(kind, record.error?.code ?? 'INTERNAL_ERROR', record.error?.message ?? 'resumed rollback', { rollback: true });
    }
    const phases = driver.phases(ctx.parsed, record.request);
    let index = phases.findIndex((p) => p.name === record.cursor.phase);
    if (index < 0) throw new DeploymentHalt('failure', 'INTERNAL_ERROR', `Unknown phase "${record.cursor.phase}" in record`);
    if (resumed) await ctx.emit({ type: 'deployment:resume', phase: record.cursor.phase, step: record.cursor.step });
    else await ctx.emit({ type: 'deployment:start', platform: driver.name });
    let fresh = !resumed;
    for (; index < phases.length; index++) {
      const phase = phases[index]!;
      if (record.cursor.phase !== phase.name) {
        record.cursor.phase = phase.name;
        fresh = true;
      }
      if (fresh) await ctx.emit({ type: 'step:start', step: phase.name });
      ctx.checkAborted();
      const outcome = await phase.run(ctx);
      await ctx.emit({ type: 'step:end', step: phase.name, status: outcome === 'Skipped' ? 'Skipped' : 'Succeeded' });
    }
    record.cursor.phase = 'End';
    record.status = 'Succeeded';
    await ctx.emit({ type: 'deployment:end', status: 'Succeeded' });
  }

  return {
    name: driver.name,

    validate(appspec: string): ValidationResult {
      try {
        return { ok: true, summary: driver.summarize(driver.parseAppSpec(appspec)) };
      } catch (err) {
        if (err instanceof AppSpecInvalidError) return { ok: false, error: { code: 'INVALID_REVISION', message: err.message, key: err.key } };
        throw err;
      }
    },

    async deploy(request: DeploymentRequest, signal?: AbortSignal): Promise<DeploymentResult> {
      assertDeploymentId(request.id);
      const parsed = parse(request.appspec);
      driver.checkRequest(request, parsed);
      const alarms = request.alarmConfiguration?.alarms ?? [];
      if (alarms.length > MAX_ALARMS) {
        throw new PluginError(PLUGIN_ERROR_CODES.INVALID_REQUEST, `At most ${MAX_ALARMS} alarms per deployment: got ${alarms.length}`);
      }
      if (running.has(request.id) || (await components.store.load(request.id)) !== undefined) {
        throw new PluginError(PLUGIN_ERROR_CODES.DEPLOYMENT_CONFLICT, `Deployment "${request.id}" already exists`);
      }
      const now = components.clock.now();
      const first = driver.phases(parsed, request)[0]?.name ?? 'End';
      const record: DeploymentRecord = {
        id: request.id,
        platform: driver.name,
        request,
        status: 'InProgress',
        cursor: { phase: first, step: 0 },
        state: {},
        hooks: [],
        events: [],
        createdAt: now,
        updatedAt: now,
      };
      await components.store.save(record);
      return start(record, parsed, signal, false);
    },

    async resume(id: string, signal?: AbortSignal): Promise<DeploymentResult> {
      if (running.has(id)) throw new PluginError(PLUGIN_ERROR_CODES.DEPLOYMENT_CONFLICT, `Deployment "${id}" is already running`);
      const record = await loadOwn(id);
      if (record.status !== 'InProgress') return resultOf(record);
      return start(record, parse(record.request.appspec), signal, true);
    },

    async stop(id: string, options: StopOptions = {}): Promise<DeploymentResult> {
      const halt = new DeploymentHalt('stop', 'MANUAL_STOP', 'Stopped on request', options.rollback === undefined ? {} : { rollback: options.rollback });
      const live = running.get(id);
      if (live !== undefined) {
        live.controller.abort(halt);
        return live.done;
      }
      const record = await loadOwn(id);
      if (record.status !== 'InProgress') return resultOf(record);
      // Orphaned (not running in this process): settle it from the store.
      const ctx = new RunContext(record, parse(record.request.appspec), new AbortController().signal, components, settings, notify);
      await settleHalt(ctx, halt, shouldRollback(record.request, halt));
      return resultOf(record);
    },

    async rollback(id: string): Promise<DeploymentResult> {
      if (running.has(id)) return this.stop(id, { rollback: true });
      const record = await loadOwn(id);
      if (record.status === 'InProgress') return this.stop(id, { rollback: true });
      const ctx = new RunContext(record, parse(record.request.appspec), new AbortController().signal, components, settings, notify);
      record.rollback = { status: 'InProgress' };
      await ctx.emit({ type: 'rollback:start' });
      await finishRollback(ctx);
      return resultOf(record);
    },

    subscribe(listener: (event: PlatformEvent) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
