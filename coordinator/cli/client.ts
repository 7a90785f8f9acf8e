// The CLI's client for the coordinator daemon's loopback API.
import type { CoordinatorConfig } from '../config/config.ts';
import { CliError, EXIT } from './errors.ts';

export class ApiClient {
  constructor(private readonly baseUrl: string) {}

  static forConfig(config: CoordinatorConfig): ApiClient {
    const host = config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host;
    return new ApiClient(`http://${host}:${config.api.port}`);
  }

  async get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  async getText(path: string): Promise<Response> {
    const res = await this.send('GET', path);
    if (!res.ok) throw new CliError(await errorOf(res), res.status === 404 ? EXIT.failed : EXIT.failed);
    return res;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    if (!res.ok) throw new CliError(await errorOf(res), res.status >= 500 ? EXIT.failed : res.status === 400 ? EXIT.usage : EXIT.failed);
    return (await res.json()) as T;
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(this.baseUrl + path, {
        method,
        ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
        // Creating a deployment waits until a host holds the revision (replicationTimeoutMs).
        signal: AbortSignal.timeout(method === 'POST' ? 300_000 : 30_000),
      });
    } catch (err) {
      throw new CliError(`Cannot reach the coordinator at ${this.baseUrl} (${(err as Error).cause ?? (err as Error).message}); start it with: convoy serve --config FILE`, EXIT.unreachable);
    }
  }
}

export function isUnreachable(err: unknown): boolean {
  return err instanceof CliError && err.exitCode === EXIT.unreachable;
}

async function errorOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: string };
    return body.error ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}
