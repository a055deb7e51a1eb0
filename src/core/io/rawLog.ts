import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writev } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { RawLogUnavailable } from '../model/errors';

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

/** Records are encoded into chunks of this size as they come (off the JS heap), and written in batches. */
const CHUNK_BYTES = 256 * 1024;
/** Above this much queued for the disk the reader pauses codex's stdout (the pipe holds codex back). */
export const RAW_LOG_HIGH_WATER = 8 * 1024 * 1024;

/**
 * Append-only JSONL log of every line in and out. Opened synchronously so that a log that cannot be
 * created refuses the task before it starts. Each record is encoded into a Buffer chunk at once: the
 * strings it was made of die young, which keeps the garbage collector's pauses short under a flood
 * (queued strings surviving collection after collection made them long). Chunks are written in order
 * with one writev per batch, and `close()` resolves only once every byte is on disk.
 */
export class RawLog {
  private fd: number;
  /** The chunk being filled, and how much of it is used. */
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  /** Full chunks waiting for the disk. */
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private writing = false;
  private idle: (() => void)[] = [];
  private scheduled = false;
  private closed = false;
  /** First write error, if any: reported, never silent. */
  error: Error | undefined;
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
    // Encoded part by part (the big one straight from JSON.stringify): gluing them into one string
    // first would only add a copy.
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
      const n = Buffer.byteLength(part, 'utf8');
      if (this.used + n > this.chunk.length) {
        this.seal();
        if (n > this.chunk.length) {
          this.chunk = Buffer.allocUnsafe(n);
        }
      }
      this.used += this.chunk.write(part, this.used, 'utf8');
    }
    if (this.queuedBytes >= CHUNK_BYTES) {
      this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Queues the chunk being filled and starts a fresh one. */
  private seal(): void {
    if (this.used === 0) {
      return;
    }
    this.queue.push(this.chunk.subarray(0, this.used));
    this.queuedBytes += this.used;
    this.chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    this.used = 0;
  }

  private flush(): void {
    if (this.writing) {
      return;
    }
    this.seal();
    if (this.queue.length === 0) {
      this.settleIdle();
      return;
    }
    // Everything queued, in one writev: order is kept because only one write is ever in flight.
    const batch = this.queue;
    const total = this.queuedBytes;
    this.queue = [];
    this.queuedBytes = 0;
    this.inFlight = total;
    this.writing = true;
    const writeAll = (buffers: Buffer[]) => {
      writev(this.fd, buffers, null, (err, n) => {
        if (err) {
          // Reported once; what is queued now cannot be written either (the task goes on).
          if (!this.error) {
            this.error = err;
            this.onError(err);
          }
          this.writing = false;
          this.inFlight = 0;
          this.queue = [];
          this.queuedBytes = 0;
          this.used = 0;
          this.settleIdle();
          this.relieve();
          return;
        }
        this.inFlight -= n;
        if (this.inFlight > 0) {
          writeAll(rest(buffers, n));
          return;
        }
        this.writing = false;
        this.flush();
        this.relieve();
      });
    };
    writeAll(batch);
  }

  /** True while more than RAW_LOG_HIGH_WATER waits for the disk: the reader should stop reading. */
  get congested(): boolean {
    return !this.closed && this.queuedBytes + this.used + this.inFlight > RAW_LOG_HIGH_WATER;
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
    if (!this.writing && this.queue.length === 0 && this.used === 0) {
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

/** The buffers after the first `n` bytes (what a short write left). */
function rest(buffers: Buffer[], n: number): Buffer[] {
  let i = 0;
  while (i < buffers.length && n >= buffers[i].length) {
    n -= buffers[i].length;
    i++;
  }
  return i < buffers.length ? [buffers[i].subarray(n), ...buffers.slice(i + 1)] : [];
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
