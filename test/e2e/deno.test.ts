// The agent runs under Deno 2 (installed from the npm registry) straight from the TypeScript sources,
// joins a fleet with a Node coordinator, deploys and reports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startFleet, recordingScript, readLines, type TestFleet } from '../support/fleet.ts';

describe('an agent under Deno 2', () => {
  let fleet: TestFleet;

  beforeAll(async () => {
    fleet = await startFleet(2, { runtime: 'deno' });
  }, 120_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it('starts, joins, deploys and reports', async () => {
    const { hosts } = await fleet.api.get<{ hosts: { runtime: string; alive: boolean }[] }>('/v1/fleet');
    expect(hosts).toHaveLength(2);
    for (const h of hosts) expect(h).toMatchObject({ alive: true, runtime: expect.stringMatching(/^deno 2\./) });

    const revision = await fleet.push({
      'appspec.yml': 'version: 0.0\nos: linux\nfiles:\n  - source: index.html\n    destination: /srv/www\nhooks:\n  AfterInstall:\n    - location: record.sh\n',
      'index.html': '<h1>deno</h1>',
      'record.sh': recordingScript('srv/order.log'),
    });
    const id = await fleet.deploy({ revision });
    const view = await fleet.waitFinal(id);
    expect(view.status).toBe('Succeeded');
    for (const host of view.hosts) {
      const dest = fleet.destOf(host.instanceName);
      expect(await readFile(path.join(dest, 'srv/www/index.html'), 'utf8')).toBe('<h1>deno</h1>');
      expect(await readLines(path.join(dest, 'srv/order.log'))).toEqual([`AfterInstall ${id}`]);
    }
  }, 90_000);
});
