import { describe, expect, it } from 'vitest';
import { toNormalisedJson } from './normalise.ts';
import { parseAppSpec } from './parse.ts';

const SAMPLE = `version: 0.0
os: linux
files:
  - source: /index.html
    destination: /var/www/html/
hooks:
  BeforeInstall:
    - location: scripts/install_dependencies
      timeout: 300
      runas: root
    - location: scripts/start_server
      timeout: '30s'
  ApplicationStop:
    - location: scripts/stop_server
      sudo: true
  Ignored:
permissions:
  - object: /var/www/html
    pattern: '*.html'
    except: [secret.html]
    type: [file]
    owner: www-data
    mode: 0644
    acls: ['d:u:bob:7', 'm:0']
    context: {user: system_u, type: httpd_sys_content_t, range: 's3-s7:c5,c8,c9,c10,c17'}
file_exists_behavior: OVERWRITE
`;

describe('toNormalisedJson', () => {
  it('renders plain JSON with octal mode strings, canonical ACLs and ranges', () => {
    expect(toNormalisedJson(parseAppSpec(SAMPLE))).toEqual({
      version: 0,
      os: 'linux',
      hooks: {
        BeforeInstall: [
          { location: 'scripts/install_dependencies', timeout: 300, runas: 'root', sudo: false },
          { location: 'scripts/start_server', timeout: 30, sudo: false },
        ],
        ApplicationStop: [{ location: 'scripts/stop_server', timeout: 3600, sudo: true }],
      },
      files: [{ source: '/index.html', destination: '/var/www/html/' }],
      permissions: [
        {
          object: '/var/www/html',
          pattern: '*.html',
          except: ['secret.html'],
          type: ['file'],
          owner: 'www-data',
          mode: '644',
          acls: ['default:user:bob:rwx', 'mask::---'],
          context: { user: 'system_u', type: 'httpd_sys_content_t', range: 's3-s7:c5,c8.c10,c17' },
        },
      ],
      file_exists_behavior: 'OVERWRITE',
    });
  });
  it('is stable through JSON and parses back to itself', () => {
    const json = toNormalisedJson(parseAppSpec(SAMPLE));
    const text = JSON.stringify(json);
    expect(JSON.parse(text)).toEqual(json);
    expect(toNormalisedJson(parseAppSpec(text))).toEqual(json);
  });
  it('the minimal appspec', () => {
    expect(toNormalisedJson(parseAppSpec('version: 0\nos: linux'))).toEqual({ version: 0, os: 'linux', hooks: {}, files: [], permissions: [] });
  });
});
