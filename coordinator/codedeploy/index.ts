// The CodeDeploy-compatible API of the coordinator. See docs/codedeploy-api.md.
export { createEndpoint, createDaemonEndpoint, TARGET_PREFIX, type CodeDeployEndpoint, type EndpointOptions } from './endpoint.ts';
export { onHookStatus, type HookStatusEvent, type HookStatusListener } from './hook-status.ts';
export { CodeDeployError } from './errors.ts';
export { OPERATIONS, type Operation } from './operations.ts';
export type { ApiContext, S3Settings } from './context.ts';
export { LOCAL_BUCKET } from './context.ts';
