// The per-deployment scripts.log (reference §2.5): timestamped entries, appended, capped on disk.
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export const DEFAULT_LOG_CAP_BYTES = 64 * 1024 * 1024;

/** Local time `YYYY-MM-DD HH:MM:SS ` (no zone), as the agent writes it. */
export function logTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} `;
}

export class ScriptLog {
  private size: number;
  private full: boolean;
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly handle: FileHandle,
    initialSize: number,
    private readonly cap: number,
    private readonly now: () => number,
  ) {
    this.size = initialSize;
    // A file already at the cap got its marker from an earlier event of this deployment.
    this.full = initialSize >= cap;
  }

  static async open(file: string, cap: number, now: () => number): Promise<ScriptLog> {
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(file, 'a', 0o640);
    const { size } = await handle.stat();
    return new ScriptLog(handle, size, cap, now);
  }

  /** True once the cap was reached; further entries are dropped. */
  get capped(): boolean {
    return this.full;
  }

  /** Appends entries (each without newline), each prefixed with the current time. */
  write(entries: readonly string[]): Promise<void> {
    // Serialised so stdout and stderr writers never race on the size check.
    const next = this.queue.then(() => this.append(entries));
    this.queue = next.catch(() => {});
    return next;
  }

  private async append(entries: readonly string[]): Promise<void> {
    if (this.full || entries.length === 0) return;
    const stamp = logTimestamp(this.now());
    let text = '';
    let textBytes = 0;
    let written = 0;
    for (const entry of entries) {
      const line = `${stamp}${entry}\n`;
      const bytes = Buffer.byteLength(line);
      if (this.size + textBytes + bytes > this.cap) break;
      text += line;
      textBytes += bytes;
      written += 1;
    }
    if (written < entries.length) {
      text += `${stamp}[convoy] scripts.log reached its cap of ${this.cap} bytes; further output is not logged here\n`;
      this.full = true;
    }
    const buf = Buffer.from(text);
    await this.handle.write(buf);
    this.size += buf.length;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.handle.close();
  }
}
