// The bounded tail of an event's output reported to the coordinator (decision 10: last 4 KiB).

export const TAIL_BYTES = 4096;

/** Keeps whole recent entries covering at least `limit` bytes; renders exactly the last `limit` bytes. */
export class OutputTail {
  private entries: string[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly limit = TAIL_BYTES) {}

  push(entry: string): void {
    this.entries.push(entry);
    this.bytes += Buffer.byteLength(entry);
    for (;;) {
      const oldest = this.entries[this.head];
      if (oldest === undefined || this.bytes - Buffer.byteLength(oldest) < this.limit) break;
      this.bytes -= Buffer.byteLength(oldest);
      this.head += 1;
    }
    // Compact occasionally so the array does not grow with every evicted entry.
    if (this.head > 1024) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** The last `limit` bytes, starting at a character boundary. */
  render(): string {
    const buf = Buffer.from(this.entries.slice(this.head).join(''));
    let start = Math.max(0, buf.length - this.limit);
    while (start < buf.length && ((buf[start] ?? 0) & 0xc0) === 0x80) start += 1;
    return buf.subarray(start).toString('utf8');
  }
}
