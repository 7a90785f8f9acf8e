import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadAgentConfig, ConfigError } from './config.ts';
import { loadCoordinatorConfig, CoordinatorConfigError } from '../../coordinator/config/config.ts';

async function file(text: string): Promise<string> {
  const f = path.join(await mkdtemp(path.join(os.tmpdir(), 'convoy-config-')), 'c.yaml');
  await writeFile(f, text);
  return f;
}

describe('loadAgentConfig()', () => {
  it('resolves rootDir and destinationRoot against the file and fills defaults', async () => {
    const f = await file('rootDir: root\ndestinationRoot: dest\ntrustedCoordinators: [ed25519:abc]\n');
    const config = await loadAgentConfig(f);
    expect(config.rootDir).toBe(path.join(path.dirname(f), 'root'));
    expect(config.destinationRoot).toBe(path.join(path.dirname(f), 'root', 'dest'));
    expect(config.maxRevisions).toBe(5);
    expect(config.reportBatchMs).toBe(1000);
  });

  it.each([
    ['a missing trusted key list', 'rootDir: r\n', /key "trustedCoordinators"/],
    ['a bad listen address', 'rootDir: r\ntrustedCoordinators: [ed25519:a]\nlisten: [tcp/1]\n', /key "listen.0"/],
    ['an unknown key', 'rootDir: r\ntrustedCoordinators: [ed25519:a]\nroot_dir: x\n', /key "\(root\)"|root_dir/],
    ['broken YAML', 'rootDir: [\n', /not valid YAML/],
    ['a negative report batch window', 'rootDir: r\ntrustedCoordinators: [ed25519:a]\nreportBatchMs: -1\n', /key "reportBatchMs"/],
    ['a bootstrap address with no peer id', 'rootDir: r\ntrustedCoordinators: [ed25519:a]\nbootstrap: [/ip4/10.0.0.5/tcp/7400]\n', /key "bootstrap.0" must end in \/p2p\/<peer id>/],
    ['a bootstrap address that is no multiaddr', 'rootDir: r\ntrustedCoordinators: [ed25519:a]\nbootstrap: [/ipv4/10.0.0.5]\n', /key "bootstrap.0" is not a multiaddr/],
  ])('rejects %s, naming the key', async (_name, text, reason) => {
    await expect(loadAgentConfig(await file(text))).rejects.toThrow(ConfigError);
    await expect(loadAgentConfig(await file(text))).rejects.toThrow(reason);
  });

  it('names a file it cannot read', async () => {
    await expect(loadAgentConfig('/nonexistent/agent.yaml')).rejects.toThrow(/Cannot read agent config "\/nonexistent\/agent.yaml"/);
  });
});

describe('loadCoordinatorConfig()', () => {
  it('resolves dataDir and keyFile against the file', async () => {
    const f = await file('dataDir: data\nkeyFile: key.pem\n');
    const config = await loadCoordinatorConfig(f);
    expect(config.dataDir).toBe(path.join(path.dirname(f), 'data'));
    expect(config.api).toEqual({ host: '127.0.0.1', port: 7480 });
  });

  it('rejects a bad port, naming the key', async () => {
    await expect(loadCoordinatorConfig(await file('dataDir: d\nkeyFile: k\napi: { port: 99999 }\n'))).rejects.toThrow(CoordinatorConfigError);
    await expect(loadCoordinatorConfig(await file('dataDir: d\nkeyFile: k\napi: { port: 99999 }\n'))).rejects.toThrow(/key "api.port"/);
  });
});
