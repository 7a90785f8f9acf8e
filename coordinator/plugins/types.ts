// Public contract between the coordinator core and compute-platform plugins (Lambda, ECS, and any later one).
//
// A plugin is a plain object `{ meta, create(init) => (components) => ComputePlatform }`:
// - `init` is user configuration (limits, poll intervals), each field optional with a default;
// - `components` are the only collaborators a plugin may touch (AWS clients, the deployment store, the clock,
//   the logger, the hook gateway), built explicitly by the core's wiring function.
// All timing goes through `Clock`, so tests drive a 30-minute canary in milliseconds.

/** Bumped on any breaking change to this file. The registry refuses plugins built for another version. */
export const PLUGIN_API_VERSION = 1;

export interface PluginMeta {
  /** Lowercase, kebab-case, unique within a registry (`lambda`, `ecs`). */
  readonly name: string;
  readonly apiVersion: number;
  /** The CodeDeploy compute platform this plugin replaces (`Lambda`, `ECS`); informational. */
  readonly computePlatform?: string;
}

export interface ComputePlatformPlugin<Init, Components> {
  readonly meta: PluginMeta;
  create(init?: Init): (components: Components) => ComputePlatform;
}

// ---------------------------------------------------------------------------------------------------------
// Components

export interface Clock {
  /** Wall-clock milliseconds since the epoch. Persisted deadlines use this scale. */
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` when the signal aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The subset of pino's API plugins use, so a pino logger (or a child) fits as is. */
export interface PluginLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Durable storage for deployment records. The core adapts its own store to this port. */
export interface PluginDeploymentStore {
  /** Replaces the record atomically (readers see the old or the new record, never a mix). */
  save(record: DeploymentRecord): Promise<void>;
  load(id: string): Promise<DeploymentRecord | undefined>;
  list(): Promise<string[]>;
}

// ---------------------------------------------------------------------------------------------------------
// Deployment input

/** CodeDeploy's CreateDeploymentConfig `trafficRoutingConfig` shape (intervals in minutes). */
export type TrafficRoutingConfig =
  | { readonly type: 'AllAtOnce' }
  | { readonly type: 'TimeBasedCanary'; readonly timeBasedCanary: { readonly canaryPercentage: number; readonly canaryInterval: number } }
  | { readonly type: 'TimeBasedLinear'; readonly timeBasedLinear: { readonly linearPercentage: number; readonly linearInterval: number } };

export interface AlarmConfiguration {
  /** Default true when `alarms` is non-empty. */
  readonly enabled?: boolean;
  /** CloudWatch alarm names, at most 10 (CodeDeploy's per-group limit). */
  readonly alarms: readonly string[];
  /** When false (default), a failure to read alarm state stops the deployment. */
  readonly ignorePollAlarmFailure?: boolean;
}

/** Which halts roll back. Each defaults to true (the set SAM enables). */
export interface AutoRollbackConfiguration {
  readonly onFailure?: boolean;
  readonly onAlarm?: boolean;
  readonly onStopRequest?: boolean;
}

export interface DeploymentRequest {
  /** Stable id chosen by the core; also the store key, the hook payload's DeploymentId and ECS externalId. */
  readonly id: string;
  /** AppSpec text, YAML or JSON. */
  readonly appspec: string;
  /** `CodeDeployDefault.X`, the short `X`, or a custom routing config. Default: the platform's AllAtOnce. */
  readonly deploymentConfig?: string | TrafficRoutingConfig;
  readonly alarmConfiguration?: AlarmConfiguration;
  readonly autoRollback?: AutoRollbackConfiguration;
  /** Platform-specific deployment-group settings, validated by the plugin (ECS: cluster, service, listeners). */
  readonly target?: Readonly<Record<string, unknown>>;
}

// ---------------------------------------------------------------------------------------------------------
// Durable record

export type DeploymentStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Stopped';

/** CodeDeploy `ErrorCode` values the plugins report. */
export type DeploymentErrorCode =
  | 'ALARM_ACTIVE'
  | 'HOOK_EXECUTION_FAILURE'
  | 'INVALID_LAMBDA_CONFIGURATION'
  | 'INVALID_LAMBDA_FUNCTION'
  | 'INVALID_ECS_SERVICE'
  | 'ECS_UPDATE_ERROR'
  | 'ELASTIC_LOAD_BALANCING_INVALID'
  | 'INVALID_REVISION'
  | 'THROTTLED'
  | 'TIMEOUT'
  | 'MANUAL_STOP'
  | 'INTERNAL_ERROR';

export interface DeploymentError {
  readonly code: DeploymentErrorCode;
  readonly message: string;
}

export type HookStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed';

export interface HookExecution {
  readonly executionId: string;
  readonly event: string;
  readonly functionName: string;
  status: HookStatus;
  /** Set once Invoke returned; absent means the invoke may not have happened (re-invoked on resume). */
  invokedAt?: number;
  deadline?: number;
  reason?: 'verdict' | 'timeout' | 'invoke-error';
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export interface DeploymentCursor {
  /** The phase in progress (platform-defined names such as `BeforeAllowTraffic`, `AllowTraffic`). */
  phase: string;
  /** Index of the next traffic step to apply. */
  step: number;
  /** When traffic shifting began (schedule times are relative to it); absent before AllowTraffic. */
  shiftStartedAt?: number;
  /** The step whose AWS call was started and not yet confirmed; re-checked on resume. */
  inFlight?: number;
}

export interface RollbackInfo {
  status: 'InProgress' | 'Succeeded' | 'Failed' | 'NotNeeded';
  message?: string;
}

export interface DeploymentRecord {
  readonly id: string;
  readonly platform: string;
  readonly request: DeploymentRequest;
  status: DeploymentStatus;
  cursor: DeploymentCursor;
  /** Platform-owned facts needed to resume or roll back (original alias, blue task set, listener actions). */
  state: Record<string, JsonValue>;
  hooks: HookExecution[];
  events: PlatformEvent[];
  error?: DeploymentError;
  rollback?: RollbackInfo;
  createdAt: number;
  updatedAt: number;
}

// ---------------------------------------------------------------------------------------------------------
// Events (persisted in the record and pushed to subscribers)

interface EventBase {
  readonly deploymentId: string;
  /** Clock time in ms. */
  readonly at: number;
}

export type PlatformEvent = EventBase &
  (
    | { readonly type: 'deployment:start'; readonly platform: string }
    | { readonly type: 'deployment:resume'; readonly phase: string; readonly step: number }
    | { readonly type: 'step:start'; readonly step: string }
    | { readonly type: 'step:end'; readonly step: string; readonly status: 'Succeeded' | 'Failed' | 'Skipped'; readonly message?: string }
    | { readonly type: 'hook:start'; readonly hook: string; readonly functionName: string; readonly executionId: string }
    | { readonly type: 'hook:end'; readonly hook: string; readonly executionId: string; readonly status: 'Succeeded' | 'Failed'; readonly reason: 'verdict' | 'timeout' | 'invoke-error' }
    | { readonly type: 'traffic:shift'; readonly step: number; readonly steps: number; readonly percent: number }
    | { readonly type: 'alarm:active'; readonly alarms: readonly string[] }
    | { readonly type: 'rollback:start' }
    | { readonly type: 'rollback:end'; readonly status: 'Succeeded' | 'Failed' | 'NotNeeded'; readonly message?: string }
    | { readonly type: 'deployment:end'; readonly status: DeploymentStatus; readonly error?: DeploymentError }
  );

export type PlatformEventType = PlatformEvent['type'];

// ---------------------------------------------------------------------------------------------------------
// The platform

export type ValidationResult =
  | { readonly ok: true; readonly summary: Readonly<Record<string, JsonValue>> }
  | { readonly ok: false; readonly error: { readonly code: 'INVALID_REVISION'; readonly message: string; readonly key: string } };

export interface DeploymentResult {
  readonly id: string;
  /** `InProgress` only when the run was suspended through the caller's signal (resume it later). */
  readonly status: DeploymentStatus;
  readonly error?: DeploymentError;
  readonly rollback?: RollbackInfo;
}

export interface StopOptions {
  /** Overrides `autoRollback.onStopRequest`. */
  readonly rollback?: boolean;
}

export interface ComputePlatform {
  readonly name: string;
  /** Pure check of AppSpec text; never calls AWS. */
  validate(appspec: string): ValidationResult;
  /**
   * Runs a new deployment to completion (Succeeded, Failed or Stopped, rolling back per policy).
   * Aborting `signal` suspends it where it stands (traffic untouched, state saved) for `resume`.
   */
  deploy(request: DeploymentRequest, signal?: AbortSignal): Promise<DeploymentResult>;
  /** Continues an `InProgress` record from its saved cursor (after a coordinator restart). */
  resume(id: string, signal?: AbortSignal): Promise<DeploymentResult>;
  /** Stops a deployment (running here or only in the store); resolves once it has settled. */
  stop(id: string, options?: StopOptions): Promise<DeploymentResult>;
  /** Restores the pre-deployment traffic state of a settled deployment (or stops a running one with rollback). */
  rollback(id: string): Promise<DeploymentResult>;
  /** Live events; returns an unsubscribe function. Events are also persisted in the record. */
  subscribe(listener: (event: PlatformEvent) => void): () => void;
}
