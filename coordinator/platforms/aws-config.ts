// The SDK clients the Lambda/ECS plugins get from coordinator.yaml's `aws` section.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { AwsSection } from './aws-schema.ts';

export interface AwsClients {
  readonly lambda: LambdaClient;
  readonly ecs: ECSClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly cloudwatch: CloudWatchClient;
}

export function createAwsClients(aws: AwsSection = {}): AwsClients {
  const base = (service: 'lambda' | 'ecs' | 'elbv2' | 'cloudwatch') => {
    const endpoint = aws.endpoints?.[service] ?? aws.endpoint;
    return {
      ...(aws.region !== undefined ? { region: aws.region } : {}),
      ...(endpoint !== undefined ? { endpoint } : {}),
      ...(aws.profile !== undefined ? { profile: aws.profile } : {}),
      ...(aws.maxAttempts !== undefined ? { maxAttempts: aws.maxAttempts } : {}),
      ...(aws.accessKeyId !== undefined && aws.secretAccessKey !== undefined
        ? { credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey, ...(aws.sessionToken !== undefined ? { sessionToken: aws.sessionToken } : {}) } }
        : {}),
    };
  };
  return {
    lambda: new LambdaClient(base('lambda')),
    ecs: new ECSClient(base('ecs')),
    elbv2: new ElasticLoadBalancingV2Client(base('elbv2')),
    cloudwatch: new CloudWatchClient(base('cloudwatch')),
  };
}

export function destroyAwsClients(clients: AwsClients): void {
  clients.lambda.destroy();
  clients.ecs.destroy();
  clients.elbv2.destroy();
  clients.cloudwatch.destroy();
}
