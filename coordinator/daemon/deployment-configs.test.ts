import { describe, expect, it } from 'vitest';
import { resolveDeploymentConfig } from './deployment-configs.ts';
import type { DeploymentConfig } from '../../protocol/messages/intent.ts';

describe('resolveDeploymentConfig', () => {
  it('takes the predefined configs by their full and their short names', () => {
    for (const short of ['OneAtATime', 'HalfAtATime', 'AllAtOnce']) {
      expect(resolveDeploymentConfig(short)).toEqual(resolveDeploymentConfig(`CodeDeployDefault.${short}`));
    }
    expect(resolveDeploymentConfig('AllAtOnce')).not.toEqual(resolveDeploymentConfig('OneAtATime'));
  });

  it('prefers a custom config that has a short name', () => {
    const custom = resolveDeploymentConfig('CodeDeployDefault.HalfAtATime');
    const lookup = (name: string): DeploymentConfig | undefined => (name === 'AllAtOnce' ? custom : undefined);
    expect(resolveDeploymentConfig('AllAtOnce', lookup)).toEqual(custom);
  });

  it('names the predefined configs when a name is unknown', () => {
    expect(() => resolveDeploymentConfig('Quickly')).toThrow(/"Quickly" does not exist \(predefined: CodeDeployDefault\.OneAtATime/);
  });
});
