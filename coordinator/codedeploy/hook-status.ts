// PutLifecycleEventHookExecutionStatus: verdicts from Lambda/ECS lifecycle hooks. They are validated, stored
// durably and handed to every listener registered with onHookStatus() (the Lambda/ECS plugins).
import { CodeDeployError, fail } from './errors.ts';
import type { ApiContext } from './context.ts';
import { deploymentId, oneOf, type Input } from './validate.ts';
import { put } from '../model/model-store.ts';
import type { HookStatusRecord } from '../model/types.ts';
import { loadDeployment } from './deployment-info.ts';

export type HookStatusEvent = HookStatusRecord;

/**
 * A listener may throw CodeDeployError to refuse a verdict (e.g. LifecycleEventAlreadyCompletedException);
 * the first refusal is returned to the caller and nothing is stored. A listener that returns true claims the
 * deployment id (the verdict is then accepted even for a deployment id the Server store also knows).
 */
export type HookStatusListener = (event: HookStatusEvent) => boolean | void | Promise<boolean | void>;

const listeners = new Set<HookStatusListener>();

/** Registers a listener for hook verdicts; returns a function that removes it. */
export function onHookStatus(listener: HookStatusListener): () => void {
  listeners.add(listener);
  return () => { listeners.delete(listener); };
}

export async function putLifecycleEventHookExecutionStatus(ctx: ApiContext, input: Input): Promise<unknown> {
  const id = deploymentId(input);
  const executionId = input.lifecycleEventHookExecutionId;
  if (typeof executionId !== 'string' || !/^[A-Za-z0-9._:/=+-]{1,512}$/.test(executionId)) {
    fail('InvalidLifecycleEventHookExecutionIdException', 'lifecycleEventHookExecutionId is required and must be an execution id from the hook\'s event');
  }
  const status = oneOf(input.status, ['Succeeded', 'Failed'] as const, 'InvalidLifecycleEventHookExecutionStatusException', 'status');
  if (Object.hasOwn(ctx.model.data.hookStatuses, executionId)) {
    fail('LifecycleEventAlreadyCompletedException', `Lifecycle event hook execution ${executionId} already has a status`);
  }
  const event: HookStatusEvent = { deploymentId: id, lifecycleEventHookExecutionId: executionId, status, receivedAt: ctx.now() };
  let claimed = false;
  for (const listener of listeners) {
    try {
      if ((await listener(event)) === true) claimed = true;
    } catch (err) {
      if (err instanceof CodeDeployError) throw err;
      ctx.log.warn({ err, executionId }, 'hook status listener failed');
    }
  }
  // Plugin (Lambda/ECS) deployments live in the plugins' own store, so an id unknown here is accepted and
  // stored for them; a Server deployment of this coordinator has no hook executions to report on.
  if (!claimed && (await loadDeployment(ctx, id)) !== undefined) {
    fail('UnsupportedActionForDeploymentTypeException', `Deployment ${id} is a Server deployment; hook verdicts are for Lambda and ECS deployments`);
  }
  await ctx.model.mutate(['hookStatuses'], (d) => { put(d.hookStatuses, executionId, event); });
  return { lifecycleEventHookExecutionId: executionId };
}
