import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { chooseTransport, locateCodex, type CodexInstallation, type TransportPreference } from '../process/codexLocator';
import { CodexProcess, type ExitInfo } from '../process/codexProcess';
import { Emitter, type Disposable } from '../base/emitter';
import { InvalidState, UnknownTask, errorMessage } from '../model/errors';
import { stamp, type ApprovalDecision, type EventBody, type TaskEvent } from '../model/events';
import { makeRedactor, type Logger } from '../base/logger';
import { PidRegistry, type ReapResult } from '../process/pidRegistry';
import { TreeSampler } from '../process/processTree';
import { RawLog } from '../io/rawLog';
import { checkCompatibility, parseTaskRequest, type TransportKind } from '../model/request';
import { truncate } from '../model/truncate';
import { initialState, isFinal, reduce, type TaskState } from '../model/taskState';
import { AppServerTransport } from '../transports/appServerTransport';
import { ExecTransport } from '../transports/execTransport';
import { McpServerTransport } from '../transports/mcpServerTransport';
import type { Transport, TransportContext, TransportSession, TurnInput } from '../transports/transport';

export interface TaskManagerOptions {
  /** Where raw logs go: one `<id>.jsonl` per task. */
  readonly logDir: string;
  /** Where the pid registry lives. */
  readonly stateDir: string;
  readonly logger: Logger;
  /** Read at every start, so that settings changes apply to the next task. */
  readonly settings: () => ManagerSettings;
  /** Environment for codex (default: this process's). Never logged. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface ManagerSettings {
  readonly codexPath?: string;
  readonly transport: TransportPreference;
  readonly maxConcurrentTasks: number;
  readonly killGraceMs: number;
  /** Past the cap: queue the task (default) or refuse it. */
  readonly queueWhenFull?: boolean;
  /** Seconds without a line from codex during a turn before the task says it may be stuck (0: never). */
  readonly stallWarningSeconds?: number;
}

export interface TaskChange {
  readonly task: TaskState;
  /** The event that caused the change (codex's, or the engine's own: queued, starting, …). */
  readonly event: TaskEvent;
}

function createTransport(kind: TransportKind, ctx: TransportContext): Transport {
  switch (kind) {
    case 'exec':
      return new ExecTransport(ctx);
    case 'app-server':
      return new AppServerTransport(ctx);
    case 'mcp-server':
      return new McpServerTransport(ctx);
  }
}

/** One task: its state, its raw log, and the process of its current turn. */
class TaskRunner {
  state: TaskState;
  /** A task restored from an earlier window: its transport is made when it is followed up. */
  restored = false;
  proc: CodexProcess | undefined;
  /** The transport's session on `proc`. */
  session: TransportSession | undefined;
  /** The turn is over but codex stays up holding the session (mcp-server): its end changes nothing. */
  idle = false;
  killReason: string | undefined;
  /** Resolves when the current process (if any) has ended and the state is final. */
  settled: Promise<void> = Promise.resolve();
  /** When codex last printed a line (stdout or stderr), and whether the silence since was reported. */
  lastOutput = Date.now();
  stallReported = false;

  constructor(
    state: TaskState,
    public transport: Transport,
    public install: CodexInstallation,
    public log: RawLog,
  ) {
    this.state = state;
  }
}

/**
 * The engine: validates requests, finds codex, runs one managed process per task turn, reduces every
 * event into `TaskState`, queues past the concurrency cap, and kills exactly.
 */
export class TaskManager implements Disposable {
  private readonly tasks = new Map<string, TaskRunner>();
  private readonly queue: { runner: TaskRunner; input: TurnInput }[] = [];
  private readonly _onDidChangeTask: Emitter<TaskChange>;
  /** Every change of a listed task's state, with the event behind it. */
  readonly onDidChangeTask: Emitter<TaskChange>['event'];
  private readonly _onDidAddTask: Emitter<TaskState>;
  /** A task was listed (started, or restored from the history). */
  readonly onDidAddTask: Emitter<TaskState>['event'];
  private readonly _onDidRemoveTask: Emitter<TaskState>;
  /** A task was removed from the list (its last state). */
  readonly onDidRemoveTask: Emitter<TaskState>['event'];
  private readonly sampler = new TreeSampler();
  readonly registry: PidRegistry;
  private readonly installs = new Map<string, Promise<CodexInstallation>>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly redact: (s: string) => string;
  private disposed = false;

  constructor(private readonly opts: TaskManagerOptions) {
    this._onDidChangeTask = new Emitter<TaskChange>(opts.logger);
    this.onDidChangeTask = this._onDidChangeTask.event;
    this._onDidAddTask = new Emitter<TaskState>(opts.logger);
    this.onDidAddTask = this._onDidAddTask.event;
    this._onDidRemoveTask = new Emitter<TaskState>(opts.logger);
    this.onDidRemoveTask = this._onDidRemoveTask.event;
    this.env = opts.env ?? process.env;
    this.redact = makeRedactor(this.env);
    this.registry = new PidRegistry(path.join(opts.stateDir, 'pids.json'), opts.logger);
  }

  /** A raw log write failed (disk full, removed): said on the task and in the log, never silently. */
  private rawLogFailed(runner: TaskRunner | undefined, logPath: string, e: Error): void {
    this.opts.logger.error(`raw log ${logPath}: ${e.message}`);
    if (runner) {
      this.apply(runner, { type: 'warning', message: `raw log: ${e.message}; the log on disk is incomplete from here (${logPath})` });
    }
  }

  private stallTimer: NodeJS.Timeout | undefined;

  /** Once a second while turns run: a turn silent for `stallWarningSeconds` is reported once. */
  private watchStalls(): void {
    if (this.stallTimer) {
      return;
    }
    this.stallTimer = setInterval(() => {
      const limit = (this.opts.settings().stallWarningSeconds ?? 0) * 1000;
      let live = 0;
      for (const r of this.tasks.values()) {
        if (!r.proc?.running || r.idle) {
          continue;
        }
        live++;
        const silent = Date.now() - r.lastOutput;
        if (limit > 0 && !r.stallReported && r.state.status === 'running' && silent >= limit) {
          r.stallReported = true;
          this.apply(r, { type: 'stalled', seconds: Math.round(silent / 1000) });
        }
      }
      if (live === 0) {
        clearInterval(this.stallTimer);
        this.stallTimer = undefined;
      }
    }, 1000);
    this.stallTimer.unref();
  }

  /** Finds codex and reads its version (cached per configured path until `forgetInstallations`). */
  locate(codexPath = this.opts.settings().codexPath): Promise<CodexInstallation> {
    const key = codexPath ?? '';
    let p = this.installs.get(key);
    if (!p) {
      p = locateCodex(codexPath, this.env);
      this.installs.set(key, p);
      p.catch(() => this.installs.delete(key));
    }
    return p;
  }

  forgetInstallations(): void {
    this.installs.clear();
  }

  list(): TaskState[] {
    return [...this.tasks.values()].map((r) => r.state);
  }

  get(id: string): TaskState | undefined {
    return this.tasks.get(id)?.state;
  }

  /** Validates and starts (or queues) a task. Throws typed errors before anything starts. */
  async start(input: unknown): Promise<TaskState> {
    if (this.disposed) {
      throw new InvalidState('the task manager is shutting down');
    }
    const request = parseTaskRequest(input);
    const settings = this.opts.settings();
    if (settings.queueWhenFull === false && this.runningCount() + this.queue.length >= Math.max(1, settings.maxConcurrentTasks)) {
      throw new InvalidState(`${settings.maxConcurrentTasks} task(s) are already running (codexTasks.maxConcurrentTasks) and queueing is off (codexTasks.queueWhenFull)`);
    }
    const install = await this.locate(settings.codexPath);
    const kind = chooseTransport(install.version, settings.transport);
    const compat = checkCompatibility(request, kind);
    const id = this.newId();
    const ctx: TransportContext = {
      request,
      install,
      effectivePolicy: compat.effectivePolicy,
      env: { ...this.env, ...install.env },
      logger: this.opts.logger,
    };
    const transport = createTransport(kind, ctx);
    const logPath = path.join(this.opts.logDir, `${id}.jsonl`);
    const ref: { runner?: TaskRunner } = {};
    const log = new RawLog(logPath, (e) => this.rawLogFailed(ref.runner, logPath, e));
    log.meta({ event: 'task', id, transport: kind, codexVersion: install.version, executable: install.executable, request: { ...request, prompt: truncate(request.prompt, 2000) } });
    const runner = new TaskRunner(initialState(id, request), transport, install, log);
    ref.runner = runner;
    this.tasks.set(id, runner);
    this._onDidAddTask.fire(runner.state);
    this.apply(runner, { type: 'prepared', transport: kind, codexVersion: install.version, rawLogPath: logPath });
    for (const w of compat.warnings) {
      this.apply(runner, { type: 'warning', message: w });
    }
    this.opts.logger.info(`task ${id}: ${kind} (codex ${install.version}) in ${request.cwd}`);
    this.enqueue(runner, { prompt: request.prompt });
    return runner.state;
  }

  /**
   * Lists finished tasks of an earlier window (history). They never run again by themselves; a
   * follow-up continues their thread with a fresh process.
   */
  restore(states: readonly TaskState[]): void {
    for (const s of states) {
      if (!this.tasks.has(s.id) && isFinal(s.status)) {
        const runner = new TaskRunner(s, undefined as unknown as Transport, undefined as unknown as CodexInstallation, undefined as unknown as RawLog);
        runner.restored = true;
        this.tasks.set(s.id, runner);
        this._onDidAddTask.fire(runner.state);
      }
    }
  }

  /** Gives a restored task what it needs to run a turn: codex, a transport, its raw log reopened. */
  private async revive(runner: TaskRunner): Promise<void> {
    const settings = this.opts.settings();
    const install = await this.locate(settings.codexPath);
    const kind = chooseTransport(install.version, settings.transport);
    if (runner.state.transport && kind !== runner.state.transport) {
      throw new InvalidState(`task ${runner.state.id} ran on ${runner.state.transport}; the current codex uses ${kind}: use Rerun instead`);
    }
    const request = runner.state.request;
    const compat = checkCompatibility(request, kind);
    runner.transport = createTransport(kind, { request, install, effectivePolicy: compat.effectivePolicy, env: { ...this.env, ...install.env }, logger: this.opts.logger });
    runner.install = install;
    const logPath = runner.state.rawLogPath ?? path.join(this.opts.logDir, `${runner.state.id}.jsonl`);
    runner.log = new RawLog(logPath, (e) => this.rawLogFailed(runner, logPath, e));
    runner.restored = false;
    this.apply(runner, { type: 'prepared', transport: kind, codexVersion: install.version, rawLogPath: logPath });
  }

  /** Continues a finished task's thread with a new prompt. */
  async followUp(id: string, prompt: string): Promise<TaskState> {
    const runner = this.runner(id);
    if (runner.restored) {
      await this.revive(runner);
    }
    if (!isFinal(runner.state.status)) {
      throw new InvalidState(`task ${id} is ${runner.state.status}; follow up once its turn has finished`);
    }
    if (!runner.state.threadId) {
      throw new InvalidState(`task ${id} has no thread to continue (it never started a session)`);
    }
    if (!prompt.trim()) {
      throw new InvalidState('the follow-up prompt is empty');
    }
    this.apply(runner, { type: 'warning', message: `follow-up: ${prompt.split('\n')[0]}` });
    runner.killReason = undefined;
    const proc = runner.proc;
    if (runner.idle && proc?.running && runner.session?.continueInProcess) {
      runner.idle = false;
      this.apply(runner, { type: 'resumed' });
      runner.session.continueInProcess({ prompt, threadId: runner.state.threadId });
      return runner.state;
    }
    this.apply(runner, { type: 'queued' });
    this.enqueue(runner, { prompt, threadId: runner.state.threadId, resume: true });
    return runner.state;
  }

  /** Kills a task and resolves with its final state once nothing of it is left. */
  async kill(id: string, reason = 'killed by user'): Promise<TaskState> {
    const runner = this.runner(id);
    const q = this.queue.findIndex((e) => e.runner === runner);
    if (q >= 0) {
      this.queue.splice(q, 1);
      runner.log.meta({ event: 'dequeued', reason });
      this.apply(runner, { type: 'dequeued', reason });
      return runner.state;
    }
    if (runner.proc?.running) {
      runner.killReason ??= reason;
      this.apply(runner, { type: 'stopping', reason });
      const proc = runner.proc;
      await proc.kill({ graceful: () => runner.session?.gracefulStop(), graceMs: this.opts.settings().killGraceMs });
    }
    await runner.settled;
    return runner.state;
  }

  /**
   * Stops the running turn but keeps the task's thread for a follow-up. Transports that can interrupt
   * (app-server) do so, and the turn's processes end with the turn; the others are killed, and the
   * task is reported `interrupted`.
   */
  async interrupt(id: string): Promise<TaskState> {
    const runner = this.runner(id);
    const proc = runner.proc;
    if (!proc?.running) {
      throw new InvalidState(`task ${id} is not running`);
    }
    if (!runner.session?.interrupt?.()) {
      return this.kill(id, 'interrupted by user');
    }
    this.apply(runner, { type: 'stopping', reason: 'interrupted by user' });
    // The transport ends the process after the turn; if it does not within the grace, kill it.
    const grace = this.opts.settings().killGraceMs;
    const timer = setTimeout(() => {
      runner.killReason ??= 'interrupted by user';
      void proc.kill({ graceful: () => runner.session?.gracefulStop(), graceMs: grace });
    }, grace * 2);
    await runner.settled;
    clearTimeout(timer);
    return runner.state;
  }

  async killAll(reason = 'killed by user'): Promise<TaskState[]> {
    const live = this.list().filter((t) => !isFinal(t.status));
    return Promise.all(live.map((t) => this.kill(t.id, reason)));
  }

  answerApproval(id: string, requestId: string, decision: ApprovalDecision): void {
    const runner = this.runner(id);
    if (!runner.proc?.running || !runner.session?.answerApproval) {
      throw new InvalidState(`task ${id} has no pending approval`);
    }
    if (!runner.state.pendingApprovals.some((a) => a.requestId === requestId)) {
      throw new InvalidState(`task ${id} has no pending approval ${requestId}`);
    }
    runner.session.answerApproval(requestId, decision);
  }

  /** Forgets a finished task (its raw log stays on disk). */
  remove(id: string): void {
    const runner = this.runner(id);
    if (!isFinal(runner.state.status)) {
      throw new InvalidState(`task ${id} is ${runner.state.status}; kill it before removing it`);
    }
    if (runner.proc?.running) {
      // An idle session (mcp-server) still holds a codex: end it with the task.
      void runner.proc.kill({ graceful: () => runner.proc?.endStdin(), graceMs: this.opts.settings().killGraceMs });
    }
    this.tasks.delete(id);
    this._onDidRemoveTask.fire(runner.state);
  }

  /** Stops codex processes an earlier session left running (crash, killed host). */
  reapLeftovers(): Promise<ReapResult> {
    return this.registry.reap(this.opts.settings().killGraceMs);
  }

  /** Kills every task (reason recorded) and waits until nothing is left. */
  async shutdown(reason = 'window closed'): Promise<void> {
    this.disposed = true;
    for (const { runner } of this.queue.splice(0)) {
      this.apply(runner, { type: 'dequeued', reason });
    }
    await this.killAll(reason);
    const grace = this.opts.settings().killGraceMs;
    await Promise.all([...this.tasks.values()].filter((r) => r.idle && r.proc?.running).map((r) => r.proc!.kill({ graceful: () => r.proc?.endStdin(), graceMs: grace })));
    await Promise.all([...this.tasks.values()].map((r) => r.settled));
    await Promise.all([...this.tasks.values()].filter((r) => !r.restored).map((r) => r.log?.close()));
  }

  dispose(): Promise<void> {
    return this.shutdown().finally(() => {
      this._onDidChangeTask.dispose();
      this._onDidAddTask.dispose();
      this._onDidRemoveTask.dispose();
    });
  }

  // -------------------------------------------------------------------------------------------

  private runner(id: string): TaskRunner {
    const r = this.tasks.get(id);
    if (!r) {
      throw new UnknownTask(id);
    }
    return r;
  }

  private newId(): string {
    for (;;) {
      const id = randomBytes(3).toString('hex');
      if (!this.tasks.has(id)) {
        return id;
      }
    }
  }

  private runningCount(): number {
    return [...this.tasks.values()].filter((r) => r.proc?.running && !r.idle).length;
  }

  private enqueue(runner: TaskRunner, input: TurnInput): void {
    this.queue.push({ runner, input });
    this.pump();
  }

  private pump(): void {
    const max = Math.max(1, this.opts.settings().maxConcurrentTasks);
    while (this.queue.length > 0 && this.runningCount() < max && !this.disposed) {
      const { runner, input } = this.queue.shift()!;
      this.runTurn(runner, input);
    }
  }

  private runTurn(runner: TaskRunner, input: TurnInput): void {
    this.apply(runner, { type: 'starting' });
    const spec = runner.transport.spec(input);
    const emit = (e: EventBody) => this.apply(runner, e);
    let proc: CodexProcess;
    try {
      proc = CodexProcess.start(
        spec,
        runner.log,
        {
          onStdout: (p) => {
            runner.lastOutput = Date.now();
            runner.stallReported = false;
            if (p.oversize) {
              emit({ type: 'unknown', raw: `${p.bytes.subarray(0, 200).toString('utf8')}…`, reason: `line over the size limit (${p.bytes.length} bytes in this piece); kept whole in the raw log` });
              return;
            }
            try {
              runner.session?.onLine(p.bytes.toString('utf8'));
            } catch (e) {
              emit({ type: 'unknown', raw: p.bytes.subarray(0, 2000).toString('utf8'), reason: `parser error: ${errorMessage(e)}` });
            }
          },
          onStderr: (line) => {
            runner.lastOutput = Date.now();
            runner.stallReported = false;
            emit({ type: 'stderr', line });
          },
        },
        { logger: this.opts.logger, graceMs: this.opts.settings().killGraceMs, sampler: this.sampler, redact: this.redact },
      );
    } catch (e) {
      this.opts.logger.error(`task ${runner.state.id}: ${errorMessage(e)}`);
      emit({ type: 'error', message: `${errorMessage(e)}: ${spec.executable}`, kind: 'spawnFailed', willRetry: false });
      emit({ type: 'exit', code: null, signal: null, killedByUs: false, stderrTail: '' });
      this.pump();
      return;
    }
    runner.proc = proc;
    runner.lastOutput = Date.now();
    runner.stallReported = false;
    this.watchStalls();
    const record = { pid: proc.pid, startTime: proc.identity.startTime, taskId: runner.state.id, executable: spec.executable, startedAt: Date.now() };
    this.registry.add(record);
    emit({ type: 'spawned', pid: proc.pid, transport: runner.transport.kind, codexVersion: runner.install.version });
    try {
      runner.session = runner.transport.open(proc, input, emit);
    } catch (e) {
      emit({ type: 'error', message: `could not send the request: ${errorMessage(e)}`, willRetry: false });
      void proc.kill();
    }
    runner.settled = proc.ended.then(
      (exit: ExitInfo) => this.finishTurn(runner, exit),
      (e: unknown) => {
        this.opts.logger.error(`task ${runner.state.id}: ${errorMessage(e)}`);
        return this.finishTurn(runner, { code: null, signal: null });
      },
    );
  }

  private async finishTurn(runner: TaskRunner, exit: ExitInfo): Promise<void> {
    // Every byte received is on disk before the task is reported as ended.
    await runner.log.drain();
    const proc = runner.proc;
    if (proc) {
      this.registry.remove(proc.pid, proc.identity.startTime);
    }
    if (runner.idle) {
      // The idle session ended (removed, window closed, or codex quit): the task's result stands.
      runner.idle = false;
      this.apply(runner, { type: 'sessionClosed', code: exit.code, signal: exit.signal });
      this.pump();
      return;
    }
    this.apply(runner, {
      type: 'exit',
      code: exit.code,
      signal: exit.signal,
      killedByUs: runner.killReason !== undefined,
      killReason: runner.killReason,
      stderrTail: proc?.stderr() ?? '',
    });
    const s = runner.state;
    this.opts.logger.info(`task ${s.id}: ${s.status} (exit ${exit.signal ?? exit.code})${s.error ? `: ${s.error.message}` : ''}`);
    this.pump();
  }

  private apply(runner: TaskRunner, body: EventBody): void {
    const event = stamp(body);
    if (event.type === 'commandBegin' || event.type === 'toolCallBegin') {
      this.sampler.kick();
    }
    if (event.type === 'sessionIdle') {
      runner.idle = true;
      // An idle session does not hold a concurrency slot's worth of work, but its process still counts.
      queueMicrotask(() => this.pump());
    }
    runner.state = reduce(runner.state, event);
    this._onDidChangeTask.fire({ task: runner.state, event });
  }
}
