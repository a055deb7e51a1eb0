import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { LineFramer, type LinePiece } from '../io/framer';
import { truncate } from '../model/truncate';
import type { Logger } from '../base/logger';
import { readProc, signalGroup, signalIfSame, type ProcIdentity } from './procfs';
import { ProcessTree, type TreeSampler } from './processTree';
import type { RawLog } from '../io/rawLog';

export interface ProcessSpec {
  readonly executable: string;
  /** An argument array: there is never a shell between us and codex. */
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface ProcessHooks {
  /** Each stdout line (or fragment of a huge one), already in the raw log. */
  onStdout(piece: LinePiece): void;
  /** Each stderr line, already in the raw log. */
  onStderr(line: string): void;
}

export interface KillOptions {
  /** The transport's graceful stop (exec: SIGINT; app-server: interrupt then stdin EOF; ...). */
  readonly graceful?: () => void;
  /** How long each stage waits before the next, harder one. */
  readonly graceMs: number;
}

const STDERR_TAIL_LINES = 40;
/** How long codex's stdout is processed before the event loop gets a turn of its own, in pieces of at most READ_SLICE_BYTES. */
const READ_SLICE_MS = 4;
const READ_SLICE_BYTES = 16 * 1024;
const POLL_MS = 25;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** No shell: the executable and an argument array, nothing interpreted on the way. */
function spawnCodex(spec: ProcessSpec): ChildProcessWithoutNullStreams {
  return spawn(spec.executable, [...spec.args], {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own session and process group: a signal to the editor's group never reaches it by accident,
    // and its group can be signalled without touching ours.
    detached: true,
    windowsHide: true,
  });
}
type Child = ChildProcessWithoutNullStreams;

/**
 * One codex process: spawned without a shell in its own session and process group, its stdout framed
 * into lines, every byte in and out written to the raw log, its descendants tracked so that `kill()`
 * leaves nothing behind, and its end recorded exactly as `{code, signal}`.
 */
export class CodexProcess {
  readonly identity: ProcIdentity;
  readonly tree: ProcessTree;
  /** Resolves once codex has exited, its output is read, and no descendant seen is alive. */
  readonly ended: Promise<ExitInfo>;
  private readonly child: Child;
  private readonly stderrTail: string[] = [];
  private exitInfo: ExitInfo | undefined;
  private killing: Promise<ExitInfo> | undefined;
  private readonly unwatch: { dispose(): void } | undefined;

  private constructor(
    child: Child,
    private readonly log: RawLog,
    private readonly hooks: ProcessHooks,
    private readonly logger: Logger,
    private readonly graceMs: number,
    sampler?: TreeSampler,
    private readonly redact: (s: string) => string = (s) => s,
  ) {
    this.child = child;
    const pid = child.pid!;
    const info = readProc(pid);
    this.identity = { pid, startTime: info?.startTime ?? -1 };
    this.tree = new ProcessTree(this.identity);
    this.unwatch = sampler?.watch(this.tree);

    const out = new LineFramer((p) => {
      this.log.line('out', p.bytes, p.eol);
      this.hooks.onStdout(p);
    });
    const err = new LineFramer((p) => {
      const text = this.redact(p.bytes.toString('utf8'));
      this.log.line('err', text, p.eol);
      this.stderrTail.push(text);
      if (this.stderrTail.length > STDERR_TAIL_LINES) {
        this.stderrTail.shift();
      }
      this.hooks.onStderr(text);
    });
    // Reading codex's stdout is paused for two reasons, and resumes when neither holds:
    //  - 'turn': what was read is processed in time slices, a few milliseconds per turn of the event
    //    loop (libuv reads a busy pipe up to 32 times in one go, and cold code is slow: megabytes of
    //    lines would otherwise be processed without the editor getting a word in);
    //  - 'disk': the raw log cannot keep up with the disk (codex then blocks on a full pipe: nothing
    //    is dropped and the editor's memory stays bounded).
    const holds = new Set<'turn' | 'disk'>();
    const hold = (why: 'turn' | 'disk') => {
      holds.add(why);
      child.stdout.pause();
    };
    const release = (why: 'turn' | 'disk') => {
      if (holds.delete(why) && holds.size === 0) {
        child.stdout.resume();
      }
    };
    const pending: Buffer[] = [];
    let pumping = false;
    let stdoutClosed = false;
    let stdoutFinished: () => void = () => undefined;
    const stdoutDone = new Promise<void>((resolve) => {
      stdoutFinished = resolve;
    });
    /** Frames queued stdout for up to READ_SLICE_MS (or everything, when `all`). */
    const pump = (all = false) => {
      const t0 = performance.now();
      while (pending.length > 0) {
        if (!all && performance.now() - t0 >= READ_SLICE_MS) {
          hold('turn');
          pumping = true;
          setImmediate(() => pump());
          return;
        }
        let c = pending[0];
        if (c.length > READ_SLICE_BYTES) {
          pending[0] = c.subarray(READ_SLICE_BYTES);
          c = c.subarray(0, READ_SLICE_BYTES);
        } else {
          pending.shift();
        }
        out.push(c);
      }
      pumping = false;
      release('turn');
      if (stdoutClosed) {
        out.end();
        stdoutFinished();
      }
    };
    child.stdout.on('data', (c: Buffer) => {
      pending.push(c);
      if (!pumping) {
        pump();
      }
      if (this.log.congested && !holds.has('disk')) {
        hold('disk');
        this.log.whenRelieved(() => release('disk'));
      }
    });
    child.stdout.on('close', () => {
      stdoutClosed = true;
      if (!pumping) {
        pump();
      }
    });
    const stderrDone = new Promise<void>((resolve) => {
      child.stderr!.on('data', (c: Buffer) => err.push(c));
      child.stderr!.on('close', () => {
        err.end();
        resolve();
      });
    });
    // stdin errors (EPIPE after codex exits) are expected and must not crash the host.
    child.stdin?.on('error', (e) => this.logger.debug(`codex ${pid} stdin: ${e.message}`));

    const exited = new Promise<ExitInfo>((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    // A failure after spawn (never expected once there is a pid) is logged, not thrown into the host.
    child.on('error', (e) => this.logger.warn(`codex ${pid}: ${e.message}`));

    this.ended = (async () => {
      const exit = await exited;
      // codex is gone: anything it left running (commands in their own sessions) is reaped now.
      await this.reapLeftovers();
      // A leftover that inherited our stdout could hold the pipe open: wait briefly, then stop reading.
      const closed = await Promise.race([Promise.all([stdoutDone, stderrDone]).then(() => true), sleep(2000).then(() => false)]);
      if (!closed) {
        child.stdout?.destroy();
        child.stderr?.destroy();
        stdoutClosed = true;
        pump(true);
        err.end();
      }
      this.unwatch?.dispose();
      this.log.meta({ event: 'exit', code: exit.code, signal: exit.signal });
      return exit;
    })();
  }

  static start(spec: ProcessSpec, log: RawLog, hooks: ProcessHooks, opts: { logger: Logger; graceMs: number; sampler?: TreeSampler; redact?: (s: string) => string }): CodexProcess {
    log.meta({ event: 'spawn', executable: spec.executable, args: spec.args.map((a) => truncate(a, 200, (_cut, length) => `(${length} chars)`)), cwd: spec.cwd });
    const child = spawnCodex(spec);
    if (child.pid === undefined) {
      // Spawn failed (ENOENT, EACCES): Node reports it as an 'error' event; no process exists.
      child.on('error', () => undefined);
      throw new SpawnFailed(spec.executable);
    }
    return new CodexProcess(child, log, hooks, opts.logger, opts.graceMs, opts.sampler, opts.redact);
  }

  get pid(): number {
    return this.identity.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  stderr(): string {
    return this.stderrTail.join('\n');
  }

  /** Writes one line to codex's stdin (and to the raw log). */
  write(line: string): void {
    this.log.line('in', line);
    if (this.child.stdin && !this.child.stdin.destroyed && this.running) {
      this.child.stdin.write(`${line}\n`);
    }
  }

  endStdin(): void {
    if (this.child.stdin && !this.child.stdin.destroyed) {
      this.log.meta({ event: 'stdin-closed' });
      this.child.stdin.end();
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) {
      this.log.meta({ event: 'signal', signal: sig, pid: this.pid });
      signalIfSame(this.identity, sig);
    }
  }

  /**
   * Stops codex and everything under it, in stages: the transport's graceful stop; after a grace,
   * SIGTERM to every descendant ever seen, to each one's process group, then to codex; after a second
   * grace, SIGKILL to whatever is left. Resolves only when codex has exited and no descendant seen is
   * alive. Idempotent.
   */
  kill(opts: KillOptions = { graceMs: this.graceMs }): Promise<ExitInfo> {
    this.killing ??= this.doKill(opts);
    return this.killing;
  }

  private async doKill(opts: KillOptions): Promise<ExitInfo> {
    if (this.running) {
      // codex is stopped while we look and ask it to stop: a child it forks in between would be
      // missed, and if codex then dies at once, orphaned (and, after a setsid, unfindable). The
      // graceful signal or request is pending when it runs again, before anything else it does.
      signalIfSame(this.identity, 'SIGSTOP');
      try {
        this.tree.sample();
        if (opts.graceful) {
          try {
            opts.graceful();
          } catch (e) {
            this.logger.warn(`graceful stop of codex ${this.pid} failed: ${(e as Error).message}`);
          }
        }
      } finally {
        signalIfSame(this.identity, 'SIGCONT');
      }
      if (opts.graceful) {
        await this.waitFor(() => !this.running, opts.graceMs);
      }
      if (this.running) {
        this.signalTree('SIGTERM');
        await this.waitFor(() => !this.running && this.tree.alive().length === 0, opts.graceMs);
      }
      if (this.running) {
        this.signalTree('SIGKILL');
      }
    }
    return this.ended;
  }

  /** After codex exited: stop what it left behind (TERM, then KILL after the grace). */
  private async reapLeftovers(): Promise<void> {
    this.tree.sample();
    if (this.tree.alive().length === 0) {
      return;
    }
    const names = this.tree.alive().map((p) => `${p.pid}(${p.comm})`);
    this.logger.info(`codex ${this.pid} exited leaving ${names.length} process(es): ${names.join(', ')}; stopping them`);
    this.log.meta({ event: 'reap', processes: names });
    this.signalTree('SIGTERM');
    await this.waitFor(() => this.tree.alive().length === 0, this.graceMs);
    while (this.tree.alive().length > 0) {
      this.signalTree('SIGKILL');
      await this.waitFor(() => this.tree.alive().length === 0, 1000);
    }
  }

  /** Signals everything of the tree (it reads /proc itself: callers need not sample first). */
  private signalTree(sig: NodeJS.Signals): void {
    // Freeze first: a process that forks between our look at /proc and the signal would leave an
    // unseen child behind. Stopped, nothing forks; look again, signal, then let them run (so that a
    // SIGTERM is delivered and handled).
    this.tree.sample();
    this.sendToTree('SIGSTOP', false);
    this.tree.sample();
    this.sendToTree(sig, true);
    this.sendToTree('SIGCONT', false);
  }

  private sendToTree(sig: NodeJS.Signals, log: boolean): void {
    const alive = this.tree.alive();
    if (log) {
      this.log.meta({ event: 'signal-tree', signal: sig, pid: this.pid, descendants: alive.map((p) => p.pid) });
    }
    for (const p of alive) {
      signalIfSame(p, sig);
    }
    // Their process groups catch children forked since the last sample. A group is signalled only
    // while a process we know is still in it, so a reused group id is never hit.
    const liveGroups = new Set(alive.map((p) => p.pgid));
    if (this.running) {
      liveGroups.add(this.pid);
    }
    for (const g of this.tree.processGroups()) {
      if (liveGroups.has(g)) {
        signalGroup(g, sig);
      }
    }
    if (this.running) {
      signalIfSame(this.identity, sig);
    }
  }

  private async waitFor(cond: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() >= end) {
        return false;
      }
      await sleep(POLL_MS);
    }
    return true;
  }
}

export class SpawnFailed extends Error {
  readonly code = 'SpawnFailed';
  constructor(executable: string) {
    super(`could not start ${executable}`);
  }
}

