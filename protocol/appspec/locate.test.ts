import { describe, expect, it } from 'vitest';
import { APPSPEC_FILE_NAMES, appSpecCandidates, appSpecFileNameProblem, chooseAppSpecFile } from './locate.ts';

describe('AppSpec file names (decision 9)', () => {
  it('appspec.yml, then appspec.yaml', () => {
    expect(APPSPEC_FILE_NAMES).toEqual(['appspec.yml', 'appspec.yaml']);
    expect(chooseAppSpecFile((n) => n === 'appspec.yaml')).toBe('appspec.yaml');
    expect(chooseAppSpecFile(() => true)).toBe('appspec.yml');
    expect(chooseAppSpecFile(() => false)).toBeUndefined();
  });
  it('a custom name is tried first', () => {
    expect(appSpecCandidates('deploy/spec.yml')).toEqual(['deploy/spec.yml', 'appspec.yml', 'appspec.yaml']);
    expect(appSpecCandidates('appspec.yaml')).toEqual(['appspec.yaml', 'appspec.yml']);
    expect(chooseAppSpecFile(() => true, 'custom.yml')).toBe('custom.yml');
  });
  it('custom names must stay inside the revision', () => {
    expect(appSpecFileNameProblem('spec.yml')).toBeUndefined();
    expect(appSpecFileNameProblem('/etc/spec.yml')).toMatch(/relative/);
    expect(appSpecFileNameProblem('../spec.yml')).toMatch(/'\.\.'/);
    expect(appSpecFileNameProblem(' ')).toMatch(/empty/);
  });
});
