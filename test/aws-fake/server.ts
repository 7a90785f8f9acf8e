// A local AWS endpoint for the plugin tests. It speaks the real wire protocols of exactly the operations the
// plugins use (Lambda REST-JSON, ECS JSON 1.1, ELBv2 query/XML, CloudWatch JSON 1.0 query-compatible), keeps
// state in memory, logs every call, and injects faults (throttling for the first k calls, arbitrary errors).
// Point real SDK v3 clients at `endpoint` with `clientConfig()`.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeCloudWatch } from './cloudwatch.ts';
import { FakeEcs } from './ecs.ts';
import { ELB_XMLNS, FakeElbv2 } from './elbv2.ts';
import { FakeLambda, REGION } from './lambda.ts';
import { AwsFault, decodeQuery, queryError, queryResponse } from './wire.ts';

export type FakeService = 'lambda' | 'ecs' | 'elbv2' | 'cloudwatch';

export interface CallLogEntry {
  readonly service: FakeService;
  readonly op: string;
  readonly input: unknown;
  /** Time from the injected `now` (the test clock), so schedules can be asserted in virtual time. */
  readonly at: number;
  /** Error code when the call failed (injected or real). */
  readonly error?: string;
}

interface Fault {
  readonly service: FakeService;
  readonly op: string;
  remaining: number;
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

/** The throttling error each service really returns. */
const THROTTLE: Record<FakeService, { code: string; status: number }> = {
  lambda: { code: 'TooManyRequestsException', status: 429 },
  ecs: { code: 'ThrottlingException', status: 400 },
  elbv2: { code: 'Throttling', status: 400 },
  cloudwatch: { code: 'Throttling', status: 400 },
};

const ECS_TARGET = 'AmazonEC2ContainerServiceV20141113.';
const CW_TARGET = 'GraniteServiceVersion20100801.';

export interface FakeAwsOptions {
  readonly now?: () => number;
}

export class FakeAws {
  readonly lambda: FakeLambda;
  readonly ecs: FakeEcs;
  readonly elbv2: FakeElbv2;
  readonly cloudwatch: FakeCloudWatch;
  readonly calls: CallLogEntry[] = [];
  private readonly faults: Fault[] = [];
  private server: Server | undefined;
  private url = '';
  private readonly now: () => number;

  constructor(options: FakeAwsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.lambda = new FakeLambda();
    this.ecs = new FakeEcs(this.now);
    this.elbv2 = new FakeElbv2(this.ecs);
    this.cloudwatch = new FakeCloudWatch();
  }

  get endpoint(): string {
    return this.url;
  }

  /** SDK client settings: this endpoint, us-east-1, static fake credentials, default retries. */
  clientConfig(): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } } {
    return { endpoint: this.url, region: REGION, credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' } };
  }

  /** The next `times` calls of `service.op` fail with the service's throttling error. */
  throttle(service: FakeService, op: string, times: number): void {
    const t = THROTTLE[service];
    this.faults.push({ service, op, remaining: times, code: t.code, status: t.status, message: 'Rate exceeded' });
  }

  /** The next `times` calls of `service.op` fail with `code`. */
  fail(service: FakeService, op: string, code: string, options: { status?: number; times?: number; message?: string } = {}): void {
    this.faults.push({ service, op, remaining: options.times ?? Number.POSITIVE_INFINITY, code, status: options.status ?? 400, message: options.message ?? `Injected ${code}` });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  callsOf(service: FakeService, op?: string): CallLogEntry[] {
    return this.calls.filter((c) => c.service === service && (op === undefined || c.op === op));
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private injected(service: FakeService, op: string): Fault | undefined {
    const f = this.faults.find((x) => x.service === service && x.op === op && x.remaining > 0);
    if (f !== undefined) f.remaining -= 1;
    return f;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const target = String(req.headers['x-amz-target'] ?? '');
    const requestId = randomUUID();
    if (url.pathname.startsWith('/2015-03-31/')) return this.routeLambda(req, res, url, body, requestId);
    if (target.startsWith(ECS_TARGET)) return this.routeJson(res, 'ecs', target.slice(ECS_TARGET.length), body, '1.1', requestId);
    if (target.startsWith(CW_TARGET)) return this.routeJson(res, 'cloudwatch', target.slice(CW_TARGET.length), body, '1.0', requestId);
    if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return this.routeQuery(res, body, requestId);
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`fake AWS: no route for ${req.method} ${req.url}`);
  }

  private async routeLambda(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, requestId: string): Promise<void> {
    const opGuess = lambdaOpName(req.method ?? 'GET', url.pathname);
    const fault = this.injected('lambda', opGuess);
    const headers = { 'x-amzn-requestid': requestId };
    if (fault !== undefined) {
      this.calls.push({ service: 'lambda', op: opGuess, input: { path: url.pathname }, at: this.now(), error: fault.code });
      sendJson(res, fault.status, { Type: 'User', message: fault.message, ...(fault.code === 'TooManyRequestsException' ? { Reason: 'CallerRateLimitExceeded' } : {}) }, { ...headers, 'x-amzn-errortype': fault.code });
      return;
    }
    try {
      const reply = await this.lambda.handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
      this.calls.push({ service: 'lambda', op: reply.op, input: reply.input, at: this.now() });
      if (reply.json === undefined) res.writeHead(reply.status, headers).end();
      else sendJson(res, reply.status, reply.json, headers);
    } catch (err) {
      const f = asFault(err);
      this.calls.push({ service: 'lambda', op: opGuess, input: { path: url.pathname }, at: this.now(), error: f.code });
      sendJson(res, f.status, { Type: 'User', message: f.message }, { ...headers, 'x-amzn-errortype': f.code });
    }
  }

  private routeJson(res: ServerResponse, service: 'ecs' | 'cloudwatch', op: string, body: Buffer, version: '1.0' | '1.1', requestId: string): void {
    const contentType = `application/x-amz-json-${version}`;
    let input: Record<string, unknown> = {};
    try {
      input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      sendJson(res, 400, { __type: 'SerializationException', message: 'bad JSON' }, { 'content-type': contentType });
      return;
    }
    const sendError = (f: { code: string; status: number; message: string }): void => {
      this.calls.push({ service, op, input, at: this.now(), error: f.code });
      const headers: Record<string, string> = { 'content-type': contentType, 'x-amzn-requestid': requestId };
      if (service === 'cloudwatch') headers['x-amzn-query-error'] = `${f.code};Sender`;
      sendJson(res, f.status, { __type: f.code, message: f.message }, headers);
    };
    const fault = this.injected(service, op);
    if (fault !== undefined) return sendError(fault);
    try {
      const out = service === 'ecs' ? this.ecs.handle(op, input) : this.cloudwatch.handle(op, input);
      this.calls.push({ service, op, input, at: this.now() });
      sendJson(res, 200, out, { 'content-type': contentType, 'x-amzn-requestid': requestId });
    } catch (err) {
      sendError(asFault(err));
    }
  }

  private routeQuery(res: ServerResponse, body: Buffer, requestId: string): void {
    const params = decodeQuery(body.toString('utf8'));
    const op = String(params['Action'] ?? '');
    delete params['Action'];
    delete params['Version'];
    const sendError = (f: { code: string; status: number; message: string }): void => {
      this.calls.push({ service: 'elbv2', op, input: params, at: this.now(), error: f.code });
      res.writeHead(f.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }).end(queryError(f.code, f.message, requestId));
    };
    const fault = this.injected('elbv2', op);
    if (fault !== undefined) return sendError(fault);
    try {
      const out = this.elbv2.handle(op, params);
      this.calls.push({ service: 'elbv2', op, input: params, at: this.now() });
      res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }).end(queryResponse(op, ELB_XMLNS, out, requestId));
    } catch (err) {
      sendError(asFault(err));
    }
  }
}

function lambdaOpName(method: string, path: string): string {
  if (path.endsWith('/invocations')) return 'Invoke';
  if (path.endsWith('/configuration')) return 'GetFunctionConfiguration';
  if (path.includes('/aliases/')) return method === 'PUT' ? 'UpdateAlias' : 'GetAlias';
  return 'Unknown';
}

function asFault(err: unknown): AwsFault {
  return err instanceof AwsFault ? err : new AwsFault('InternalFailure', String(err), 500);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers, 'content-length': Buffer.byteLength(text) }).end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
