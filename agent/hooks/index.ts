export { runEventScripts, childEnv, numericErrorCode, DEFAULT_KILL_GRACE_MS } from './run.ts';
export type { RunEventOptions, EventOutcome, EventOutcomeStatus, ScriptResult } from './types.ts';
export { DEFAULT_LOG_CAP_BYTES, logTimestamp } from './script-log.ts';
export { TAIL_BYTES } from './tail.ts';
