// Lifecycle events and script error codes shared by the agent, the reports and the coordinator.

/** In-place order (CodeDeploy agent reference §2.1). Traffic events run only their scripts (no load balancer). */
export const IN_PLACE_EVENTS = [
  'BeforeBlockTraffic',
  'BlockTraffic',
  'AfterBlockTraffic',
  'ApplicationStop',
  'DownloadBundle',
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'ApplicationStart',
  'ValidateService',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;
export type LifecycleEvent = (typeof IN_PLACE_EVENTS)[number];

/** Events whose scripts come from the last successful revision rather than the one being deployed. */
export const LAST_SUCCESSFUL_EVENTS: ReadonlySet<string> = new Set([
  'ApplicationStop',
  'BeforeBlockTraffic',
  'AfterBlockTraffic',
]);

/** Events run by the agent or the traffic layer itself; appspec scripts under these names never run. */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set(['DownloadBundle', 'Install', 'BlockTraffic', 'AllowTraffic']);

/** The agent's script error codes 0-7, kept as named codes in reports (compatibility decision 16). */
export const ERROR_CODES = {
  Success: 0,
  ScriptMissing: 1,
  ScriptNotExecutable: 2,
  ScriptTimedOut: 3,
  ScriptFailed: 4,
  UnknownError: 5,
  OutputsLeftOpen: 6,
  FailedAfterRestart: 7,
} as const;
export type ErrorCodeName = keyof typeof ERROR_CODES;

export type EventStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped';
