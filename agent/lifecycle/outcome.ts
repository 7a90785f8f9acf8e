// The outcome of one lifecycle event on this host, as reported.
import type { ErrorCodeName } from '../../protocol/lifecycle.ts';
import type { EventOutcome } from '../hooks/index.ts';

/** A hook run's outcome, or the agent's own step's; only the agent's steps can be Skipped (no-ops). */
export type EventResult = Omit<EventOutcome, 'status'> & { readonly status: EventOutcome['status'] | 'Skipped' };

export function succeeded(event: string, startedAt: number, endedAt: number, message = ''): EventResult {
  return { event, status: 'Succeeded', errorCode: 'Success', scriptName: '', message, logTail: '', startedAt, endedAt };
}

export function skipped(event: string, at: number, message: string): EventResult {
  return { event, status: 'Skipped', errorCode: 'Success', scriptName: '', message, logTail: '', startedAt: at, endedAt: at };
}

export function failed(event: string, startedAt: number, endedAt: number, message: string, errorCode: ErrorCodeName = 'UnknownError'): EventResult {
  return { event, status: 'Failed', errorCode, scriptName: '', message, logTail: '', startedAt, endedAt };
}
