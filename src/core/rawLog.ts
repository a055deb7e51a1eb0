import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, write } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { RawLogUnavailable } from './errors';

/** Direction of a raw log record: to codex, from its stdout, from its stderr, or our own note. */
export type RawDirection = 'in' | 'out' | 'err' | 'meta';

/**
 * One JSONL record. `l` holds the text of a UTF-8 line, `b` the base64 of one that is not valid UTF-8,
 * `eol: false` marks a piece that did not end in a newline (a fragment of a huge line, or a last line
 * without one). Concatenating the pieces of one direction, with "\n" after each `eol` piece, gives back
 * exactly the bytes received.
 */
export interface RawRecord {
  readonly t: number;
  readonly d: RawDirection;
  readonly l?: string;
  readonly b?: string;
  readonly eol?: false;
}

const FLUSH_BYTES = 256 * 1024;
/** The most one write takes from the queue: joining and encoding it is one synchronous step. */
const WRITE_MAX = 1024 * 1024;
/** Above this much queued for the disk the reader pauses codex's stdout (the pipe holds codex back). */
export const RAW_LOG_HIGH_WATER = 8 * 1024 * 1024;

/**
 * Append-only JSONL log of every line in and out. Opened synchronously so that a log that cannot be
 * created refuses the task before it starts; writes are batched and chained so that order is kept and
 * `close()` resolves only once every byte is on disk.
 */
export class RawLog {
  private fd: number;
  private buffer: string[] = [];
  private bufferedBytes = 0;
  private writing = false;
  private idle: (() => void)[] = [];
  private scheduled = false;
  private closed = false;
  /** First write error, if any: reported, never silent. */
  error: Error | undefined;
  bytesWritten = 0;
  /** Size of the write in progress. */
  private inFlight = 0;
  private relief: (() => void)[] = [];

  constructor(
    readonly path: string,
    private readonly onError: (e: Error) => void = () => undefined,
  ) {
    const dir = path.slice(0, path.lastIndexOf('/'));
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.fd = openSync(path, 'a', 0o600);
    } catch (e) {
      throw new RawLogUnavailable(dir, (e as Error).message);
    }
  }

  line(d: RawDirection, bytes: Buffer | string, eol = true): void {
    // A record is queued as its parts (the big one straight from JSON.stringify): gluing them into one
    // string would make V8 copy every line once more when the queue is encoded.
    const end = eol ? '}\n' : ',"eol":false}\n';
    const t = Date.now();
    if (typeof bytes === 'string') {
      this.append(`{"t":${t},"d":"${d}","l":`, JSON.stringify(bytes), end);
    } else if (isUtf8(bytes)) {
      this.append(`{"t":${t},"d":"${d}","l":`, JSON.stringify(bytes.toString('utf8')), end);
    } else {
      this.append(`{"t":${t},"d":"${d}","b":"`, bytes.toString('base64'), `"${end}`);
    }
  }

  meta(note: Record<string, unknown>): void {
    this.append(`${JSON.stringify({ t: Date.now(), d: 'meta', ...note })}\n`);
  }

  private append(...parts: string[]): void {
    if (this.closed) {
      return;
    }
    for (const part of parts) {
      this.buffer.push(part);
      this.bufferedBytes += part.length;
    }
    if (this.bufferedBytes >= FLUSH_BYTES) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  private flush(): void {
    if (this.writing || this.buffer.length === 0) {
      if (!this.writing) {
        this.settleIdle();
      }
      return;
    }
    // At most WRITE_MAX per write: a queue of megabytes is not joined in one step of the event loop.
    let take = 0;
    let size = 0;
    while (take < this.buffer.length && (take === 0 || size + this.buffer[take].length <= WRITE_MAX)) {
      size += this.buffer[take].length;
      take++;
    }
    let bytes = 0;
    for (let i = 0; i < take; i++) {
      bytes += Buffer.byteLength(this.buffer[i], 'utf8');
    }
    const data = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (let i = 0; i < take; i++) {
      at += data.write(this.buffer[i], at, 'utf8');
    }
    this.buffer = take === this.buffer.length ? [] : this.buffer.slice(take);
    this.bufferedBytes -= size;
    this.inFlight = data.length;
    this.writing = true;
    const writeAll = (offset: number) => {
      write(this.fd, data, offset, data.length - offset, null, (err, n) => {
        if (err) {
          this.error ??= err;
          this.onError(err);
          this.writing = false;
          this.inFlight = 0;
          this.buffer = [];
          this.bufferedBytes = 0;
          this.settleIdle();
          this.relieve();
          return;
        }
        this.bytesWritten += n;
        if (offset + n < data.length) {
          writeAll(offset + n);
          return;
        }
        this.writing = false;
        this.inFlight = 0;
        this.flush();
        this.relieve();
      });
    };
    writeAll(0);
  }

  /** True while more than RAW_LOG_HIGH_WATER waits for the disk: the reader should stop reading. */
  get congested(): boolean {
    return !this.closed && this.bufferedBytes + this.inFlight > RAW_LOG_HIGH_WATER;
  }

  /** Calls `cb` once the queue is back under the high-water mark (at once if it is). */
  whenRelieved(cb: () => void): void {
    if (!this.congested) {
      cb();
      return;
    }
    this.relief.push(cb);
  }

  private relieve(): void {
    if (this.congested || this.relief.length === 0) {
      return;
    }
    const waiters = this.relief;
    this.relief = [];
    waiters.forEach((w) => w());
  }

  private settleIdle(): void {
    const waiters = this.idle;
    this.idle = [];
    waiters.forEach((w) => w());
  }

  /** Resolves once everything appended so far is written. */
  drain(): Promise<void> {
    if (!this.writing && this.buffer.length === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.idle.push(resolve);
      if (!this.writing) {
        this.flush();
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    await this.drain();
    this.closed = true;
    const waiters = this.relief;
    this.relief = [];
    waiters.forEach((w) => w());
    try {
      fsyncSync(this.fd);
    } catch {
      // fsync is best effort (not supported on every file system); the data is written.
    }
    closeSync(this.fd);
  }
}

/** Reads a raw log back into the exact bytes of one direction (tests and the "lost bytes" checks). */
export function reassemble(path: string, d: RawDirection): Buffer {
  const parts: Buffer[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) {
      continue;
    }
    const r = JSON.parse(line) as RawRecord;
    if (r.d !== d) {
      continue;
    }
    parts.push(r.b !== undefined ? Buffer.from(r.b, 'base64') : Buffer.from(r.l ?? '', 'utf8'));
    if (r.eol !== false) {
      parts.push(Buffer.from('\n'));
    }
  }
  return Buffer.concat(parts);
}
