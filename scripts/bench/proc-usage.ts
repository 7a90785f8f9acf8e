// What a benchmark's child process has used so far, read from Linux /proc (zeros elsewhere, or once the
// process has exited): CPU time to compare runs by work done rather than by wall time alone.
import { readFile } from 'node:fs/promises';

export interface ProcessUsage {
  /** User + system CPU time, ms (clock ticks of 10 ms). */
  readonly cpuMs: number;
  /** Write syscalls (/proc/<pid>/io syscw). */
  readonly writes: number;
}

export async function processUsage(pid: number | undefined): Promise<ProcessUsage> {
  try {
    const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    const io = await readFile(`/proc/${pid}/io`, 'utf8').catch(() => '');
    return {
      cpuMs: (Number(stat[11]) + Number(stat[12])) * 10, // utime + stime
      writes: Number(/syscw: (\d+)/.exec(io)?.[1] ?? 0),
    };
  } catch {
    return { cpuMs: 0, writes: 0 };
  }
}

/** Total CPU time (ms) the given processes have used so far. */
export async function cpuMsOfAll(pids: readonly (number | undefined)[]): Promise<number> {
  return (await Promise.all(pids.map(processUsage))).reduce((sum, u) => sum + u.cpuMs, 0);
}
