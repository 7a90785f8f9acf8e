// Streams a script's stdout/stderr into scripts.log and the reported tail, line by line, with
// backpressure: the child blocks on a full pipe rather than the agent buffering its output.
import type { Readable } from 'node:stream';
import { LineSplitter } from './lines.ts';
import type { ScriptLog } from './script-log.ts';
import { TAIL_BYTES, type OutputTail } from './tail.ts';

export class EventOutput {
  constructor(
    private readonly log: ScriptLog,
    private readonly tail: OutputTail,
  ) {}

  /** A runner entry such as `Script - <location>`: logged and kept in the tail. */
  async note(entry: string): Promise<void> {
    this.tail.push(entry + '\n');
    await this.log.write([entry]);
  }

  /** Reads `stream` to EOF (or until it is destroyed). Never rejects. */
  async consume(stream: Readable, label: 'stdout' | 'stderr'): Promise<void> {
    const splitter = new LineSplitter();
    const prefix = `[${label}]`;
    try {
      for await (const raw of stream) {
        const chunk = raw as Buffer;
        await this.emit(prefix, splitter.feed(this.skipAhead(chunk, splitter)));
      }
    } catch {
      // Destroyed by the runner (outputs left open) or a pipe error: what was read is kept.
    }
    await this.emit(prefix, splitter.flush());
  }

  /**
   * Once the log is capped only the tail matters, and lines older than the last TAIL_BYTES of a chunk
   * would be evicted anyway: skip to a line start near the end so a flood costs O(chunks), not O(lines).
   */
  private skipAhead(chunk: Buffer, splitter: LineSplitter): Buffer {
    if (!this.log.capped || chunk.length <= 2 * TAIL_BYTES) return chunk;
    // The last newline that still leaves at least TAIL_BYTES after it.
    const nl = chunk.lastIndexOf(0x0a, chunk.length - TAIL_BYTES - 1);
    if (nl < 0) return chunk;
    splitter.reset();
    return chunk.subarray(nl + 1);
  }

  private async emit(prefix: string, lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const entries = lines.map((l) => prefix + l);
    // Every entry is at least prefix+newline long, so older ones could not survive in the tail.
    for (const e of entries.slice(-Math.ceil(TAIL_BYTES / prefix.length))) this.tail.push(e + '\n');
    await this.log.write(entries);
  }
}
