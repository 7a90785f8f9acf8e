// Runs the shared compliance suite against both plugins.

import { runComplianceSuite } from './compliance.ts';
import { ecsAppSpec, ecsFixture, ecsRequest } from './ecs-fixture.ts';
import { Harness } from './harness.ts';

const LAMBDA_APPSPEC = JSON.stringify({
  version: 0.0,
  resources: [{ api: { type: 'AWS::Lambda::Function', properties: { name: 'api', alias: 'live', currentversion: 1, targetversion: 2 } } }],
});

runComplianceSuite('lambda', async () => {
  const h = await Harness.create();
  h.fake.lambda.addFunction('api', ['1', '2'], { live: '1' });
  return {
    platform: h.lambdaPlatform(),
    validAppSpec: LAMBDA_APPSPEC,
    request: (id) => ({ id, appspec: LAMBDA_APPSPEC, deploymentConfig: 'LambdaLinear10PercentEvery1Minute' }),
    snapshot: () => structuredClone({ ...h.fake.lambda.alias('api', 'live'), RevisionId: undefined }),
    close: () => h.close(),
  };
});

runComplianceSuite('ecs', async () => {
  const h = await Harness.create();
  const f = ecsFixture(h);
  return {
    platform: h.ecsPlatform(),
    validAppSpec: ecsAppSpec(),
    request: (id) => ecsRequest(f, id, { deploymentConfig: 'ECSLinear10PercentEvery1Minutes' }),
    snapshot: () =>
      structuredClone({
        prod: h.fake.elbv2.listeners.get(f.prod)!.DefaultActions,
        test: h.fake.elbv2.listeners.get(f.test)!.DefaultActions,
        taskSets: h.fake.ecs.service('prod-cluster', 'web').taskSets.map((t) => [t.taskSetArn, t.status]),
      }),
    close: () => h.close(),
  };
});
