// Hook verdicts: a CodeDeploy-compatible PutLifecycleEventHookExecutionStatus receiver.
//
// Hook functions are invoked asynchronously and report back with the real CodeDeploy SDK call; pointing their
// client's `endpoint` at the coordinator lets unmodified hooks run. `handleHookStatus(body)` is the pure core;
// `createHookStatusHandler(gateway)` adapts it to node:http (AWS JSON 1.1 on the wire).
// Verdicts are buffered in memory until the waiting run consumes them; a verdict for an execution that exists
// only in the store (the run is about to resume) is accepted and buffered too.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PluginDeploymentStore } from './types.ts';

export const HOOK_STATUS_TARGET = 'CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus';
const MAX_BODY_BYTES = 64 * 1024;

export type HookVerdict = 'Succeeded' | 'Failed';

export interface HookStatusResponse {
  readonly statusCode: number;
  /** Success: `{ lifecycleEventHookExecutionId }`; error: `{ __type, message }` (AWS JSON 1.1 error shape). */
  readonly body: Readonly<Record<string, string>>;
}

export interface HookGateway {
  /** PutLifecycleEventHookExecutionStatus: `{ deploymentId, lifecycleEventHookExecutionId, status }`. */
  handleHookStatus(body: unknown): Promise<HookStatusResponse>;
  /** Returns and removes the buffered verdict for an execution, if one arrived. */
  takeVerdict(executionId: string): HookVerdict | undefined;
  /** Resolves when a verdict for `executionId` is buffered (at once if it already is); rejects on abort. */
  waitForVerdict(executionId: string, signal: AbortSignal): Promise<void>;
  /** Marks an execution finished; later verdicts get LifecycleEventAlreadyCompletedException. */
  settle(executionId: string): void;
}

export interface HookGatewayComponents {
  readonly store: PluginDeploymentStore;
}

function error(type: string, message: string, statusCode = 400): HookStatusResponse {
  return { statusCode, body: { __type: type, message } };
}

export function createHookGateway(components: HookGatewayComponents): HookGateway {
  const verdicts = new Map<string, HookVerdict>();
  const settled = new Set<string>();
  const waiters = new Map<string, Set<() => void>>();

  const wake = (executionId: string): void => {
    const set = waiters.get(executionId);
    waiters.delete(executionId);
    set?.forEach((fn) => fn());
  };

  return {
    async handleHookStatus(body) {
      if (typeof body !== 'object' || body === null) return error('SerializationException', 'Request body must be a JSON object');
      const { deploymentId, lifecycleEventHookExecutionId: executionId, status } = body as Record<string, unknown>;
      if (typeof deploymentId !== 'string' || deploymentId === '') {
        return error('DeploymentIdRequiredException', 'deploymentId is required');
      }
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(deploymentId)) {
        return error('InvalidDeploymentIdException', `Invalid deploymentId: ${deploymentId}`);
      }
      if (typeof executionId !== 'string' || executionId === '') {
        return error('InvalidLifecycleEventHookExecutionIdException', 'lifecycleEventHookExecutionId is required');
      }
      if (status !== 'Succeeded' && status !== 'Failed') {
        return error('InvalidLifecycleEventHookExecutionStatusException', `Status must be Succeeded or Failed: ${String(status)}`);
      }
      const record = await components.store.load(deploymentId);
      if (record === undefined) return error('DeploymentDoesNotExistException', `Deployment ${deploymentId} does not exist`);
      const execution = record.hooks.find((h) => h.executionId === executionId);
      if (execution === undefined) {
        return error('InvalidLifecycleEventHookExecutionIdException', `No lifecycle event hook execution ${executionId} in deployment ${deploymentId}`);
      }
      const done = execution.status === 'Succeeded' || execution.status === 'Failed';
      if (done || settled.has(executionId) || verdicts.has(executionId) || record.status !== 'InProgress') {
        return error('LifecycleEventAlreadyCompletedException', `Lifecycle event hook execution ${executionId} is already completed`);
      }
      verdicts.set(executionId, status);
      wake(executionId);
      return { statusCode: 200, body: { lifecycleEventHookExecutionId: executionId } };
    },

    takeVerdict(executionId) {
      const v = verdicts.get(executionId);
      verdicts.delete(executionId);
      return v;
    },

    waitForVerdict(executionId, signal) {
      if (verdicts.has(executionId)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        const set = waiters.get(executionId) ?? new Set<() => void>();
        const done = (): void => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          set.delete(done);
          reject(signal.reason);
        };
        set.add(done);
        waiters.set(executionId, set);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },

    settle(executionId) {
      settled.add(executionId);
      verdicts.delete(executionId);
    },
  };
}

function send(res: ServerResponse, response: HookStatusResponse): void {
  const text = JSON.stringify(response.body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
  };
  const type = response.body.__type;
  if (type !== undefined) headers['x-amzn-errortype'] = type;
  res.writeHead(response.statusCode, headers).end(text);
}

/**
 * node:http adapter: POST with `X-Amz-Target: CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus`.
 * It does not check SigV4 signatures; mount it on an interface only hooks can reach.
 */
export function createHookStatusHandler(gateway: HookGateway): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'POST') {
      send(res, error('UnknownOperationException', 'Only POST is supported', 405));
      req.resume();
      return;
    }
    if (req.headers['x-amz-target'] !== HOOK_STATUS_TARGET) {
      send(res, error('UnknownOperationException', `Unsupported X-Amz-Target: ${String(req.headers['x-amz-target'])}`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) {
        send(res, error('SerializationException', `Request body exceeds ${MAX_BODY_BYTES} bytes`, 413));
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        send(res, error('SerializationException', 'Request body is not valid JSON'));
        return;
      }
      gateway.handleHookStatus(body).then(
        (response) => send(res, response),
        (err: unknown) => send(res, error('InternalFailure', (err as Error).message ?? 'Internal error', 500)),
      );
    });
    req.on('error', () => res.destroy());
  };
}
