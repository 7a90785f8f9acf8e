export { MessageError } from './common.ts';
export { decodeIntent, INTENT_VERSION, type DeploymentIntent, type RevisionRef, type DeploymentConfig } from './intent.ts';
export { decodeReport, REPORT_VERSION, LOG_TAIL_MAX_BYTES, HOST_STATUSES, type HostStatus, type LifecycleReport } from './report.ts';
export { decodeHeartbeat, HEARTBEAT_VERSION, type Heartbeat } from './heartbeat.ts';
export { decodeControl, CONTROL_VERSION, type ControlCommand } from './control.ts';
