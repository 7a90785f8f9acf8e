// The CodeDeploy-compatible endpoint (AWS JSON 1.1): POST / with X-Amz-Target CodeDeploy_20141006.<Op>,
// mounted on the coordinator's control API. Verifies SigV4 (unless the config explicitly allows unsigned
// requests), parses the body, dispatches, and answers with the model's output or a `__type` error.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { CoordinatorConfig } from '../config/config.ts';
import type { CoordinatorDaemon } from '../daemon/daemon.ts';
import type { ApiContext } from './context.ts';
import { CodeDeployError } from './errors.ts';
import { dispatch, isOperation } from './operations.ts';
import { verifySigV4, type AccessKey } from './sigv4.ts';

export const TARGET_PREFIX = 'CodeDeploy_20141006.';
const MAX_BODY_BYTES = 1024 * 1024;

export interface EndpointOptions {
  readonly accessKeys: readonly AccessKey[];
  readonly allowUnsigned: boolean;
  readonly now?: () => number;
}

export interface CodeDeployEndpoint {
  readonly context: ApiContext;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Handles an already-read request (tests, other transports). */
  handleRaw(req: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }): Promise<{ status: number; headers: Record<string, string>; body: string }>;
  close(): void;
}

export function createEndpoint(context: ApiContext, opts: EndpointOptions): CodeDeployEndpoint {
  const now = opts.now ?? Date.now;

  const handleRaw: CodeDeployEndpoint['handleRaw'] = async (req) => {
    const requestId = randomUUID();
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId };
    const error = (e: CodeDeployError): { status: number; headers: Record<string, string>; body: string } =>
      ({ status: e.status, headers: { ...headers, 'x-amzn-errortype': e.type }, body: JSON.stringify({ __type: e.type, message: e.message }) });
    const targetHeader = req.headers['x-amz-target'];
    const target = Array.isArray(targetHeader) ? targetHeader[0] ?? '' : targetHeader ?? '';
    const opName = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    try {
      if (req.method !== 'POST') throw new CodeDeployError('UnknownOperationException', `CodeDeploy operations are POST /, not ${req.method}`);
      if (!opts.allowUnsigned) verifySigV4(req.method, req.url, req.headers, req.body, opts.accessKeys, now());
      if (!isOperation(opName)) throw new CodeDeployError('UnknownOperationException', `Unknown operation ${JSON.stringify(target)}`);
      let input: unknown = {};
      const text = req.body.toString('utf8').trim();
      if (text !== '') {
        try {
          input = JSON.parse(text);
        } catch {
          throw new CodeDeployError('SerializationException', 'The request body is not valid JSON');
        }
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new CodeDeployError('SerializationException', 'The request body must be a JSON object');
      const output = await dispatch(opName, context, input as Record<string, unknown>);
      const body = output === undefined ? '' : JSON.stringify(output);
      context.log.debug({ op: opName, requestId }, 'codedeploy request');
      return { status: 200, headers, body };
    } catch (err) {
      if (err instanceof CodeDeployError) {
        context.log.debug({ op: opName, type: err.type, message: err.message }, 'codedeploy request refused');
        return error(err);
      }
      context.log.error({ err, op: opName }, 'codedeploy request failed');
      return error(new CodeDeployError('InternalFailure', `Internal error: ${(err as Error).message}`, 500));
    }
  };

  return {
    context,
    handleRaw,
    async handle(req, res) {
      let body: Buffer;
      try {
        body = await readBody(req);
      } catch (err) {
        const e = err instanceof CodeDeployError ? err : new CodeDeployError('SerializationException', (err as Error).message);
        send(res, e.status, { 'content-type': 'application/x-amz-json-1.1' }, JSON.stringify({ __type: e.type, message: e.message }));
        return;
      }
      const out = await handleRaw({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body });
      send(res, out.status, out.headers, out.body);
    },
    close() {
      // Nothing to release: the endpoint holds no timers or sockets of its own.
    },
  };
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new CodeDeployError('SerializationException', `Request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Builds the endpoint for a running daemon from the coordinator config (called by the control API). */
export async function createDaemonEndpoint(daemon: CoordinatorDaemon, config: CoordinatorConfig, log: Logger): Promise<CodeDeployEndpoint> {
  const api = config.codedeployApi;
  const clog = log.child({ component: 'codedeploy-api' });
  if (api?.allowUnsigned === true) {
    clog.warn('!!! codedeployApi.allowUnsigned is true: the CodeDeploy API accepts UNSIGNED requests from anyone who can reach the control port. Use this for a local sandbox only. !!!');
  } else if ((api?.accessKeys.length ?? 0) === 0) {
    clog.info('codedeployApi has no access keys: every CodeDeploy API request will be refused (UnrecognizedClientException)');
  }
  const context: ApiContext = {
    model: daemon.model,
    store: daemon.store,
    fleet: () => daemon.store.fleetEntries(),
    create: async (req) => (await daemon.create(req)).intent,
    view: (id) => daemon.view(id),
    stopDeployment: (id, rollback) => daemon.stopDeployment(id, rollback),
    now: Date.now,
    aliveWindowMs: config.aliveWindowMs,
    region: api?.region ?? 'us-east-1',
    accountId: api?.accountId ?? '000000000000',
    pageSize: api?.pageSize ?? 100,
    ...(config.s3 !== undefined ? { s3: config.s3 } : {}),
    log: clog,
  };
  return createEndpoint(context, { accessKeys: api?.accessKeys ?? [], allowUnsigned: api?.allowUnsigned ?? false });
}
