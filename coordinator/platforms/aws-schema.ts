// The `aws` section of coordinator.yaml (kept free of SDK imports: the CLI loads it on every command).
// Every field is optional: without one, the SDK's default chain decides (AWS_REGION, AWS_PROFILE,
// environment keys, instance/task roles).
import { z } from 'zod';

const timing = {
  /** How long a lifecycle hook may take to report its verdict (default 3 600 000, CodeDeploy's limit). */
  hookTimeoutMs: z.number().int().min(1000).max(3_600_000).optional(),
  /** CloudWatch alarm poll period while a deployment waits (default 60 000). */
  alarmPollIntervalMs: z.number().int().min(1000).optional(),
};

export const AwsSectionSchema = z.object({
  region: z.string().min(1).optional(),
  /** One endpoint for every service the plugins call (a VPC endpoint proxy, LocalStack, a test fake). */
  endpoint: z.string().url().optional(),
  /** Per-service endpoints; each wins over `endpoint`. */
  endpoints: z.object({
    lambda: z.string().url().optional(),
    ecs: z.string().url().optional(),
    elbv2: z.string().url().optional(),
    cloudwatch: z.string().url().optional(),
  }).strict().optional(),
  /** A profile of ~/.aws/config and ~/.aws/credentials. */
  profile: z.string().min(1).optional(),
  /** Static keys (prefer a profile or an instance role). Both or neither. */
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
  sessionToken: z.string().min(1).optional(),
  /** SDK attempts per call, retries included (SDK default 3). */
  maxAttempts: z.number().int().min(1).max(20).optional(),
  lambda: z.object(timing).strict().optional(),
  ecs: z.object({
    ...timing,
    /** Poll period while the green task set stabilises (default 15 000). */
    pollIntervalMs: z.number().int().min(100).optional(),
  }).strict().optional(),
}).strict().refine((a) => (a.accessKeyId === undefined) === (a.secretAccessKey === undefined), {
  message: 'accessKeyId and secretAccessKey go together',
  path: ['accessKeyId'],
});

export type AwsSection = z.infer<typeof AwsSectionSchema>;
