// The daemon's loopback control API (JSON over HTTP) used by the CLI. Deterministic errors are 4xx
// with `{ error }` naming what is wrong.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { CoordinatorConfig } from '../config/config.ts';
import type { CoordinatorDaemon } from './daemon.ts';
import { RequestError, type CreateDeploymentRequest } from './create-deployment.ts';
import { fleetView } from '../status/fleet-view.ts';
import { streamHostLog } from './host-logs.ts';
import { createCustomConfig, listConfigs } from './config-api.ts';
import { createDaemonEndpoint } from '../codedeploy/endpoint.ts';
import { isPlatformRequest } from '../platforms/request.ts';
import type { DeploymentView } from '../status/deployment-view.ts';

const MAX_BODY_BYTES = 64 * 1024;

export async function startHttpApi(daemon: CoordinatorDaemon, config: CoordinatorConfig, log: Logger): Promise<{ server: Server; url: string }> {
  const codedeploy = await createDaemonEndpoint(daemon, config, log);
  const server = createServer((req, res) => {
    // The CodeDeploy-compatible API (awsJson1_1): every request naming an X-Amz-Target is its.
    if (req.headers['x-amz-target'] !== undefined) {
      codedeploy.handle(req, res).catch((err: unknown) => { log.error({ err }, 'codedeploy request failed'); res.destroy(); });
      return;
    }
    route(daemon, config, req, res).catch((err: unknown) => {
      const status = err instanceof RequestError ? 400 : 500;
      if (status === 500) log.error({ err }, 'api request failed');
      if (!res.headersSent) sendJson(res, status, { error: (err as Error).message });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.api.port, config.api.host, () => resolve());
  });
  server.on('close', () => codedeploy.close());
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${config.api.host}:${port}` };
}

async function route(daemon: CoordinatorDaemon, config: CoordinatorConfig, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname.split('/').filter(Boolean);
  if (req.method === 'GET' && url.pathname === '/v1/health') {
    return sendJson(res, 200, { ok: true, peerId: daemon.peerId, addrs: daemon.node.getMultiaddrs().map((a) => a.toString()) });
  }
  if (req.method === 'GET' && url.pathname === '/v1/fleet') {
    return sendJson(res, 200, { hosts: fleetView(daemon.store.fleetEntries(), Date.now(), config.aliveWindowMs) });
  }
  if (parts[0] === 'v1' && parts[1] === 'deployments') {
    if (req.method === 'POST' && parts.length === 2) {
      const body = await readJson(req);
      // Lambda/ECS (`computePlatform` set): the plugins run it; answers { deploymentId, computePlatform }.
      if (isPlatformRequest(body)) return sendJson(res, 201, await daemon.createPlatformDeployment(body));
      const { intent, unheard } = await daemon.create(body as CreateDeploymentRequest);
      return sendJson(res, 201, { deploymentId: intent.deploymentId, targets: intent.targets, unheard });
    }
    if (req.method === 'GET' && parts.length === 2) {
      const all = await daemon.store.listDeployments();
      const views = (await Promise.all(all.slice(0, 50).map((d) => daemon.view(d.intent.deploymentId)))).filter((v): v is DeploymentView => v !== undefined);
      const merged = [...views, ...(await daemon.platforms.list())].sort((a, b) => b.createdAt - a.createdAt).slice(0, 50);
      return sendJson(res, 200, { deployments: merged });
    }
    const id = parts[2] ?? '';
    if (req.method === 'POST' && parts[3] === 'stop') {
      const body = (await readJson(req)) as { rollback?: unknown };
      await daemon.stopDeployment(id, typeof body.rollback === 'boolean' ? body.rollback : undefined);
      return sendJson(res, 202, { deploymentId: id, status: 'Pending' });
    }
    if (req.method === 'POST' && parts[3] === 'declare-dead') {
      const body = (await readJson(req)) as { host?: unknown };
      if (typeof body.host !== 'string') throw new RequestError('Body needs "host": the peer id of the dead host');
      await daemon.declareDead(id, resolveHost(daemon, body.host));
      return sendJson(res, 202, { deploymentId: id });
    }
    const view = await daemon.view(id);
    if (view === undefined) return sendJson(res, 404, { error: `Deployment ${id} does not exist` });
    if (req.method === 'GET' && parts.length === 3) return sendJson(res, 200, view);
    if (req.method === 'GET' && parts[3] === 'logs') {
      if (view.computePlatform !== undefined) throw new RequestError(`${id} is a ${view.computePlatform} deployment: its steps and hooks are in \`deploy get ${id} --json\``);
      const host = url.searchParams.get('host') ?? '';
      const target = view.hosts.find((h) => h.peerId === host || h.instanceName === host);
      if (target === undefined) throw new RequestError(`Host "${host}" is not a target of ${id}`);
      const addrs = daemon.store.fleetEntries().find((f) => f.heartbeat.host === target.peerId)?.heartbeat.addrs ?? [];
      return streamHostLog(daemon.node, { peerId: target.peerId, addrs }, id, res);
    }
  }
  if (parts[0] === 'v1' && parts[1] === 'deployment-configs') return routeConfigs(daemon, req, res, parts[2]);
  sendJson(res, 404, { error: `No route for ${req.method} ${url.pathname}` });
}

async function routeConfigs(daemon: CoordinatorDaemon, req: IncomingMessage, res: ServerResponse, name: string | undefined): Promise<void> {
  if (req.method === 'GET' && name === undefined) return sendJson(res, 200, { configs: listConfigs(daemon.model) });
  if (req.method === 'GET') {
    const found = listConfigs(daemon.model).find((c) => c.name === name);
    return found ? sendJson(res, 200, found) : sendJson(res, 404, { error: `Deployment config "${name}" does not exist` });
  }
  if (req.method === 'POST' && name === undefined) {
    const body = (await readJson(req)) as { name?: unknown; type?: unknown; value?: unknown };
    return sendJson(res, 201, await createCustomConfig(daemon.model, body));
  }
  sendJson(res, 404, { error: `No route for ${req.method} ${req.url}` });
}

/** Accepts a peer id or an instance name. */
function resolveHost(daemon: CoordinatorDaemon, host: string): string {
  return daemon.store.fleetEntries().find((f) => f.heartbeat.instanceName === host)?.heartbeat.host ?? host;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RequestError(`Request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new RequestError('Request body is not JSON');
  }
}
