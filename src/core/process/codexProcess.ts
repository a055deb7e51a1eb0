import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { LineFramer, type LinePiece } from '../io/framer';
import { SpawnFailed } from '../model/errors';
import { truncate } from '../model/truncate';
import type { Logger } from '../base/logger';
import { reapTree, stopTree, type KillTarget, type StopOptions } from './killTree';
import { readProc, signalIfSame, type ProcIdentity } from './procfs';
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

/** How to stop it: the transport's graceful stop, and the grace of each stage (killTree.ts). */
export type KillOptions = Omit<StopOptions, 'onGracefulError'>;

const STDERR_TAIL_LINES = 40;
/** How long codex's stdout is processed before the event loop gets a turn of its own, in pieces of at most READ_SLICE_BYTES. */
const READ_SLICE_MS = 4;
const READ_SLICE_BYTES = 16 * 1024;
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
  /** What the one kill algorithm (killTree.ts) stops: codex, while it runs, and its tree. */
  private readonly target: KillTarget;
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
    this.target = {
      root: this.identity,
      tree: this.tree,
      rootAlive: () => this.running,
      onSignal: (signal, descendants) => this.log.meta({ event: 'signal-tree', signal, pid: this.pid, descendants }),
    };
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
    await stopTree(this.target, { ...opts, onGracefulError: (e) => this.logger.warn(`graceful stop of codex ${this.pid} failed: ${(e as Error).message}`) });
    return this.ended;
  }

  /** After codex exited: stop what it left behind (TERM, then KILL after the grace). */
  private async reapLeftovers(): Promise<void> {
    await reapTree(this.target, this.graceMs, (left) => {
      this.logger.info(`codex ${this.pid} exited leaving ${left.length} process(es): ${left.join(', ')}; stopping them`);
      this.log.meta({ event: 'reap', processes: left });
    });
  }
}
