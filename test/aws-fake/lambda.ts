// Fake Lambda (REST-JSON, /2015-03-31): GetAlias, UpdateAlias, GetFunctionConfiguration, Invoke.

import { AwsFault } from './wire.ts';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export interface FakeAlias {
  FunctionVersion: string;
  weights: Record<string, number>;
  RevisionId: string;
  Description: string;
}

export interface FakeFunction {
  versions: Map<string, { State: string }>;
  aliases: Map<string, FakeAlias>;
}

/** Runs when a hook function is invoked, before the 202 goes back (as if the hook reported instantly). */
export type InvokeHandler = (payload: unknown, functionName: string) => void | Promise<void>;

export interface LambdaRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface LambdaReply {
  readonly op: string;
  readonly status: number;
  readonly json?: unknown;
  readonly input: unknown;
}

let revisionCounter = 0;
export function newRevisionId(): string {
  revisionCounter += 1;
  return `rev-${revisionCounter.toString().padStart(6, '0')}`;
}

export class FakeLambda {
  readonly functions = new Map<string, FakeFunction>();
  readonly invokeHandlers = new Map<string, InvokeHandler>();

  addFunction(name: string, versions: readonly string[], aliases: Readonly<Record<string, string>> = {}): void {
    const fn: FakeFunction = { versions: new Map(versions.map((v) => [v, { State: 'Active' }])), aliases: new Map() };
    for (const [alias, version] of Object.entries(aliases)) {
      fn.aliases.set(alias, { FunctionVersion: version, weights: {}, RevisionId: newRevisionId(), Description: '' });
    }
    this.functions.set(name, fn);
  }

  alias(fn: string, alias: string): FakeAlias {
    const a = this.functions.get(fn)?.aliases.get(alias);
    if (a === undefined) throw new Error(`no alias ${fn}:${alias}`);
    return a;
  }

  /** Simulates a change by someone else: new RevisionId and optionally new routing. */
  touchAlias(fn: string, alias: string, change: Partial<Pick<FakeAlias, 'FunctionVersion' | 'weights'>> = {}): void {
    const a = this.alias(fn, alias);
    Object.assign(a, change, { RevisionId: newRevisionId() });
  }

  aliasJson(fnName: string, aliasName: string, a: FakeAlias): Record<string, unknown> {
    return {
      AliasArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fnName}:${aliasName}`,
      Name: aliasName,
      FunctionVersion: a.FunctionVersion,
      Description: a.Description,
      ...(Object.keys(a.weights).length > 0 ? { RoutingConfig: { AdditionalVersionWeights: { ...a.weights } } } : {}),
      RevisionId: a.RevisionId,
    };
  }

  private fn(name: string): FakeFunction {
    const short = name.startsWith('arn:') ? (name.split(':')[6] ?? name) : name;
    const fn = this.functions.get(short);
    if (fn === undefined) throw new AwsFault('ResourceNotFoundException', `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT}:function:${short}`, 404);
    return fn;
  }

  async handle(req: LambdaRequest): Promise<LambdaReply> {
    const m = /^\/2015-03-31\/functions\/([^/]+)(\/.*)?$/.exec(req.path);
    if (m === null) throw new AwsFault('UnknownOperationException', `No route for ${req.method} ${req.path}`, 404);
    const fnName = decodeURIComponent(m[1]!);
    const rest = m[2] ?? '';
    const aliasMatch = /^\/aliases\/([^/]+)$/.exec(rest);
    if (aliasMatch !== null && req.method === 'GET') {
      const name = decodeURIComponent(aliasMatch[1]!);
      const input = { FunctionName: fnName, Name: name };
      const a = this.fn(fnName).aliases.get(name);
      if (a === undefined) throw new AwsFault('ResourceNotFoundException', `Alias not found: ${fnName}:${name}`, 404);
      return { op: 'GetAlias', status: 200, json: this.aliasJson(fnName, name, a), input };
    }
    if (aliasMatch !== null && req.method === 'PUT') {
      const name = decodeURIComponent(aliasMatch[1]!);
      const body = JSON.parse(req.body.toString('utf8') || '{}') as {
        FunctionVersion?: string;
        RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
        RevisionId?: string;
        Description?: string;
      };
      const input = { FunctionName: fnName, Name: name, ...body };
      const fn = this.fn(fnName);
      const a = fn.aliases.get(name);
      if (a === undefined) throw new AwsFault('ResourceNotFoundException', `Alias not found: ${fnName}:${name}`, 404);
      if (body.RevisionId !== undefined && body.RevisionId !== a.RevisionId) {
        throw new AwsFault('PreconditionFailedException', 'The RevisionId provided does not match the latest RevisionId for the Lambda function or alias.', 412);
      }
      const version = body.FunctionVersion ?? a.FunctionVersion;
      if (!fn.versions.has(version)) throw new AwsFault('ResourceNotFoundException', `Version not found: ${version}`, 404);
      const weights = body.RoutingConfig?.AdditionalVersionWeights ?? (body.RoutingConfig ? {} : a.weights);
      const entries = Object.entries(weights);
      if (entries.length > 1) throw new AwsFault('InvalidParameterValueException', 'An alias can point to at most two versions', 400);
      for (const [v, w] of entries) {
        if (!fn.versions.has(v)) throw new AwsFault('ResourceNotFoundException', `Version not found: ${v}`, 404);
        if (v === version) throw new AwsFault('InvalidParameterValueException', 'Additional version must differ from the primary version', 400);
        if (typeof w !== 'number' || w < 0 || w > 1) throw new AwsFault('InvalidParameterValueException', `Weight out of range: ${String(w)}`, 400);
      }
      a.FunctionVersion = version;
      a.weights = Object.fromEntries(entries);
      if (body.Description !== undefined) a.Description = body.Description;
      a.RevisionId = newRevisionId();
      return { op: 'UpdateAlias', status: 200, json: this.aliasJson(fnName, name, a), input };
    }
    if (rest === '/configuration' && req.method === 'GET') {
      const qualifier = req.query.get('Qualifier') ?? '$LATEST';
      const input = { FunctionName: fnName, Qualifier: qualifier };
      const v = this.fn(fnName).versions.get(qualifier);
      if (v === undefined) throw new AwsFault('ResourceNotFoundException', `Function not found: ${fnName}:${qualifier}`, 404);
      return {
        op: 'GetFunctionConfiguration',
        status: 200,
        json: { FunctionName: fnName, FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fnName}:${qualifier}`, Version: qualifier, State: v.State },
        input,
      };
    }
    if (rest === '/invocations' && req.method === 'POST') {
      const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
      let payload: unknown = null;
      try {
        payload = JSON.parse(req.body.toString('utf8') || 'null');
      } catch {
        payload = req.body.toString('utf8');
      }
      const input = { FunctionName: fnName, InvocationType: invocationType, Payload: payload };
      this.fn(fnName);
      const handler = this.invokeHandlers.get(fnName);
      if (handler !== undefined) await handler(payload, fnName);
      return { op: 'Invoke', status: invocationType === 'Event' ? 202 : 200, input };
    }
    throw new AwsFault('UnknownOperationException', `No route for ${req.method} ${req.path}`, 404);
  }
}
