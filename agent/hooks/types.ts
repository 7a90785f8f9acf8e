import type { HookScript } from '../../protocol/appspec/types.ts';
import type { ErrorCodeName } from '../../protocol/lifecycle.ts';
import type { HookLauncher } from './launcher.ts';

export interface RunEventOptions {
  readonly event: string;
  readonly scripts: readonly HookScript[];
  /** Root the script locations are relative to (may be the last successful revision's archive). */
  readonly revisionDir: string;
  /** Working directory of every script: the unpacked revision root (decision 15). */
  readonly cwd: string;
  /** Merged over process.env; an undefined value unsets the variable in the child. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The deployment's scripts.log; appended, created with its directory when missing. */
  readonly logFile: string;
  /** runas (`su <user> -c`) is allowed only when the agent runs as root. */
  readonly runAsAllowed: boolean;
  readonly now?: () => number;
  /** Aborting stops the running script like a timeout (the process group is terminated). */
  readonly signal?: AbortSignal;
  /** On-disk cap of scripts.log; default 64 MiB. */
  readonly logCapBytes?: number;
  /** Time between SIGTERM and SIGKILL for a timed-out script's process group; default 5 s. */
  readonly killGraceMs?: number;
  /** Starts each script's process (launcher.ts); plain spawn when absent. */
  readonly launcher?: HookLauncher;
  /**
   * Resolves once the event's start is durable. The first script is prepared (log opened, file checked)
   * while that write is in flight, and launched only after it; a rejection fails the event unlaunched.
   */
  readonly startGate?: Promise<unknown>;
}

export type EventOutcomeStatus = 'Succeeded' | 'Failed';

export interface EventOutcome {
  readonly event: string;
  readonly status: EventOutcomeStatus;
  readonly errorCode: ErrorCodeName;
  /** Exit status of the script that decided the outcome, when it exited normally. */
  readonly exitCode?: number;
  /** Location of the failing script; '' on success, as the agent reports. */
  readonly scriptName: string;
  readonly message: string;
  /** Last 4 KiB (UTF-8 safe) of this event's log entries, without timestamps (decision 10). */
  readonly logTail: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** How one script ended; `Success` means the runner moves on to the next script. */
export interface ScriptResult {
  readonly errorCode: ErrorCodeName;
  readonly message: string;
  readonly exitCode?: number;
}
