// Splits a byte stream into lines with a per-line cap, so one endless line cannot grow memory.

export const MAX_LINE_BYTES = 16 * 1024;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while skipping the rest of an over-long line. */
  private dropping = false;

  constructor(private readonly maxLine = MAX_LINE_BYTES) {}

  /** Complete lines in `chunk` (without their newline); a capped line ends with a truncation note. */
  feed(chunk: Buffer): string[] {
    const out: string[] = [];
    let at = 0;
    while (at < chunk.length) {
      const nl = chunk.indexOf(0x0a, at);
      const end = nl < 0 ? chunk.length : nl;
      this.take(chunk.subarray(at, end));
      if (nl < 0) break;
      out.push(this.finishLine());
      at = nl + 1;
    }
    return out;
  }

  /** The unterminated last line at EOF, if any. */
  flush(): string[] {
    return this.pendingBytes > 0 || this.dropping ? [this.finishLine()] : [];
  }

  /** Forgets any partial line (used when skipping ahead in a chunk). */
  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.dropping = false;
  }

  private take(piece: Buffer): void {
    if (this.dropping || piece.length === 0) return;
    const room = this.maxLine - this.pendingBytes;
    if (piece.length <= room) {
      this.pending.push(piece);
      this.pendingBytes += piece.length;
      return;
    }
    this.pending.push(piece.subarray(0, room));
    this.pendingBytes += room;
    this.dropping = true;
  }

  private finishLine(): string {
    let line = Buffer.concat(this.pending, this.pendingBytes).toString('utf8');
    if (this.dropping) line += ` [line truncated at ${this.maxLine} bytes]`;
    this.reset();
    return line;
  }
}
