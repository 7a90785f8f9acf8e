// Wiring of the Lambda/ECS compute-platform plugins into the coordinator (daemon, control API, CLI).
export { PlatformService, readPlatformView, type PlatformServiceOptions } from './service.ts';
export { AwsSectionSchema, type AwsSection } from './aws-schema.ts';
export { createAwsClients, type AwsClients } from './aws-config.ts';
export { PlatformCreateSchema, isPlatformRequest, type PlatformCreateRequest, type PlatformMeta, type PlatformName } from './request.ts';
export { platformView } from './view.ts';
export { addPlatformOptions, platformCreateBody, PLATFORM_HELP } from './cli.ts';
