// The outcome of one lifecycle event on this host, as reported.
import type { ErrorCodeName } from '../../protocol/lifecycle.ts';

export interface EventResult {
  readonly event: string;
  readonly status: 'Succeeded' | 'Failed' | 'Skipped';
  readonly errorCode: ErrorCodeName;
  readonly exitCode?: number;
  readonly scriptName: string;
  readonly message: string;
  readonly logTail: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

export function succeeded(event: string, startedAt: number, endedAt: number, message = ''): EventResult {
  return { event, status: 'Succeeded', errorCode: 'Success', scriptName: '', message, logTail: '', startedAt, endedAt };
}

export function skipped(event: string, at: number, message: string): EventResult {
  return { event, status: 'Skipped', errorCode: 'Success', scriptName: '', message, logTail: '', startedAt: at, endedAt: at };
}

export function failed(event: string, startedAt: number, endedAt: number, message: string, errorCode: ErrorCodeName = 'UnknownError'): EventResult {
  return { event, status: 'Failed', errorCode, scriptName: '', message, logTail: '', startedAt, endedAt };
}
