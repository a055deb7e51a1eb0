/**
 * Splits a byte stream into lines without ever losing a byte. A line longer than `maxLineBytes` is
 * handed on in fragments (`eol: false` until its last piece), so a hostile or huge line costs at most
 * that much memory; the raw log still gets every fragment.
 */
export interface LinePiece {
  readonly bytes: Buffer;
  /** True when this piece ends at a newline (the newline itself is not included). */
  readonly eol: boolean;
  /** True for every piece of a line that exceeded the limit. */
  readonly oversize: boolean;
}

export const DEFAULT_MAX_LINE_BYTES = 32 * 1024 * 1024;

export class LineFramer {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** Inside a line that already overflowed: its remaining pieces are oversize too. */
  private overflowing = false;

  constructor(
    private readonly onPiece: (piece: LinePiece) => void,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) {
        break;
      }
      const part = chunk.subarray(start, nl);
      const bytes = this.pendingLen === 0 ? part : Buffer.concat([...this.pending, part], this.pendingLen + part.length);
      this.pending = [];
      this.pendingLen = 0;
      const oversize = this.overflowing;
      this.overflowing = false;
      this.onPiece({ bytes, eol: true, oversize });
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.pending.push(rest);
      this.pendingLen += rest.length;
      if (this.pendingLen > this.maxLineBytes) {
        const bytes = Buffer.concat(this.pending, this.pendingLen);
        this.pending = [];
        this.pendingLen = 0;
        this.overflowing = true;
        this.onPiece({ bytes, eol: false, oversize: true });
      }
    }
  }

  /** Flushes a final line that had no newline. */
  end(): void {
    if (this.pendingLen > 0 || this.overflowing) {
      const bytes = Buffer.concat(this.pending, this.pendingLen);
      this.pending = [];
      this.pendingLen = 0;
      const oversize = this.overflowing;
      this.overflowing = false;
      this.onPiece({ bytes, eol: false, oversize });
    }
  }
}
