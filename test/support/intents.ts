// Builds valid intents for tests; override any field.
import type { DeploymentIntent } from '../../protocol/messages/intent.ts';

export function sampleIntent(overrides: Partial<DeploymentIntent> & { targets: string[] }): DeploymentIntent {
  const now = Date.now();
  return {
    type: 'intent',
    v: 1,
    deploymentId: 'd-ABCDEFGH1',
    application: 'app',
    deploymentGroup: 'group',
    deploymentGroupId: 'dg-0123456789abcdef',
    groupSequence: 1,
    revision: {
      sha256: 'a'.repeat(64),
      size: 100,
      bundleType: 'zip',
      source: { kind: 'seed', peers: [{ peerId: overrides.targets[0]!, addrs: [] }] },
    },
    config: { name: 'CodeDeployDefault.AllAtOnce', minimumHealthyHosts: { type: 'HOST_COUNT', value: 0 } },
    fileExistsBehavior: 'DISALLOW',
    ignoreApplicationStopFailures: false,
    createdAt: now,
    expiresAt: now + 60_000,
    ...overrides,
  };
}
