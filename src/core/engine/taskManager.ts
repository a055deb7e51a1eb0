import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Emitter, type Disposable } from '../base/emitter';
import { makeRedactor, type Logger } from '../base/logger';
import { InvalidState, UnknownTask } from '../model/errors';
import type { ApprovalDecision, TaskEvent } from '../model/events';
import { checkCompatibility, parseTaskRequest, type TaskRequest } from '../model/request';
import { initialState, isFinal, type TaskState } from '../model/taskState';
import { chooseTransport, locateCodex, type CodexInstallation, type TransportPreference } from '../process/codexLocator';
import { readPidRecords } from '../process/pidRecords';
import type { PidRegistry, ReapResult } from '../process/pidRegistry';
import type { TreeSampler } from '../process/processTree';
import type { TurnInput } from '../transports/transport';
import { loadRuntime, type RuntimeModule } from './load';
import type { TaskWire } from './runtime';
import { Task, type TaskHost } from './task';

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

/**
 * The engine's list of tasks (the git extension's Model to each Task's Repository): it validates
 * requests, finds codex, keeps the tasks, the queue and the concurrency cap, and tells listeners when
 * a task is added, changes or is removed. What a task does is the Task's. The process control and the
 * transports are loaded on the first task or follow-up (runtime.ts).
 */
export class TaskManager implements Disposable {
  private readonly tasks = new Map<string, Task>();
  private readonly queue: { task: Task; input: TurnInput }[] = [];
  private readonly _onDidChangeTask: Emitter<TaskChange>;
  /** Every change of a task's state, with the event behind it. */
  readonly onDidChangeTask: Emitter<TaskChange>['event'];
  private readonly _onDidAddTask: Emitter<TaskState>;
  /** A task was listed (started, or restored from the history). */
  readonly onDidAddTask: Emitter<TaskState>['event'];
  private readonly _onDidRemoveTask: Emitter<TaskState>;
  /** A task was removed from the list (its last state). */
  readonly onDidRemoveTask: Emitter<TaskState>['event'];
  private readonly installs = new Map<string, Promise<CodexInstallation>>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly redact: (s: string) => string;
  private readonly registryFile: string;
  private readonly host: TaskHost;
  private rt: RuntimeModule | undefined;
  private sampler: TreeSampler | undefined;
  private pids: PidRegistry | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
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
    this.registryFile = path.join(opts.stateDir, 'pids.json');
    this.host = {
      logger: opts.logger,
      runtime: () => this.runtime(),
      turnOptions: (taskId) => ({ taskId, logger: opts.logger, graceMs: opts.settings().killGraceMs, sampler: this.treeSampler(), registry: this.registry, redact: this.redact }),
      changed: (task, event) => this.changed(task, event),
      turnEnded: () => this.pump(),
      watchStalls: () => this.watchStalls(),
    };
  }

  /** The record of every codex started, to reap after a crash (loads the process control). */
  get registry(): PidRegistry {
    this.pids ??= new (this.runtime().PidRegistry)(this.registryFile, this.opts.logger);
    return this.pids;
  }

  private runtime(): RuntimeModule {
    this.rt ??= loadRuntime();
    return this.rt;
  }

  private treeSampler(): TreeSampler {
    this.sampler ??= new (this.runtime().TreeSampler)();
    return this.sampler;
  }

  private changed(task: Task, event: TaskEvent): void {
    if (event.type === 'sessionIdle') {
      // An idle session holds no slot's worth of work: the next task in the queue can start.
      queueMicrotask(() => this.pump());
    }
    this._onDidChangeTask.fire({ task: task.state, event });
  }

  /** Once a second while turns run: a turn silent for `stallWarningSeconds` is reported once. */
  private watchStalls(): void {
    if (this.stallTimer) {
      return;
    }
    this.stallTimer = setInterval(() => {
      const limit = (this.opts.settings().stallWarningSeconds ?? 0) * 1000;
      let live = 0;
      for (const t of this.tasks.values()) {
        live += t.checkStall(limit) ? 1 : 0;
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
    return [...this.tasks.values()].map((t) => t.state);
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
    // From here on synchronous: the id is unique when the task is listed.
    const id = this.newId();
    const task = new Task(initialState(id, request), this.host);
    // Throws (a request this transport cannot honour, a raw log that cannot be written) before the task is listed.
    const { wire, warnings } = this.wireFor(id, request, install, path.join(this.opts.logDir, `${id}.jsonl`), true, (e) => task.logFailed(e));
    this.tasks.set(id, task);
    this._onDidAddTask.fire(task.state);
    task.prepare(wire);
    for (const w of warnings) {
      task.apply({ type: 'warning', message: w });
    }
    this.opts.logger.info(`task ${id}: ${wire.transport.kind} (codex ${wire.install.version}) in ${request.cwd}`);
    this.enqueue(task, { prompt: request.prompt });
    return task.state;
  }

  /** Chooses the transport for this codex and opens the raw log: what a task needs to run a turn. */
  private wireFor(id: string, request: TaskRequest, install: CodexInstallation, logPath: string, fresh: boolean, onLogError: (e: Error) => void, ranOn?: string): { wire: TaskWire; warnings: readonly string[] } {
    const kind = chooseTransport(install.version, this.opts.settings().transport);
    if (ranOn && kind !== ranOn) {
      throw new InvalidState(`task ${id} ran on ${ranOn}; the current codex uses ${kind}: use Rerun instead`);
    }
    const compat = checkCompatibility(request, kind);
    const wire = this.runtime().openWire({ id, request, kind, install, effectivePolicy: compat.effectivePolicy, env: this.env, logger: this.opts.logger, logPath, onLogError, fresh });
    return { wire, warnings: compat.warnings };
  }

  /**
   * Lists finished tasks of an earlier window (history). They never run again by themselves; a
   * follow-up continues their thread with a fresh process.
   */
  restore(states: readonly TaskState[]): void {
    for (const s of states) {
      if (!this.tasks.has(s.id) && isFinal(s.status)) {
        const task = new Task(s, this.host);
        this.tasks.set(s.id, task);
        this._onDidAddTask.fire(task.state);
      }
    }
  }

  /** Continues a finished task's thread with a new prompt. */
  async followUp(id: string, prompt: string): Promise<TaskState> {
    const task = this.task(id);
    if (task.restored) {
      const s = task.state;
      const logPath = s.rawLogPath ?? path.join(this.opts.logDir, `${s.id}.jsonl`);
      const install = await this.locate();
      task.prepare(this.wireFor(s.id, s.request, install, logPath, false, (e) => task.logFailed(e), s.transport).wire);
    }
    const s = task.state;
    if (!isFinal(s.status)) {
      throw new InvalidState(`task ${id} is ${s.status}; follow up once its turn has finished`);
    }
    if (!s.threadId) {
      throw new InvalidState(`task ${id} has no thread to continue (it never started a session)`);
    }
    if (!prompt.trim()) {
      throw new InvalidState('the follow-up prompt is empty');
    }
    task.apply({ type: 'warning', message: `follow-up: ${prompt.split('\n')[0]}` });
    if (!task.followUp({ prompt, threadId: s.threadId })) {
      this.enqueue(task, { prompt, threadId: s.threadId, resume: true });
    }
    return task.state;
  }

  /** Kills a task and resolves with its final state once nothing of it is left. */
  async kill(id: string, reason = 'killed by user'): Promise<TaskState> {
    const task = this.task(id);
    const q = this.queue.findIndex((e) => e.task === task);
    if (q >= 0) {
      this.queue.splice(q, 1);
      task.dequeue(reason);
      return task.state;
    }
    return task.kill(reason, this.opts.settings().killGraceMs);
  }

  /**
   * Stops the running turn but keeps the task's thread for a follow-up (or kills it where the
   * transport cannot interrupt: the task is then `interrupted`).
   */
  interrupt(id: string): Promise<TaskState> {
    return this.task(id).interrupt(this.opts.settings().killGraceMs);
  }

  async killAll(reason = 'killed by user'): Promise<TaskState[]> {
    const live = this.list().filter((t) => !isFinal(t.status));
    return Promise.all(live.map((t) => this.kill(t.id, reason)));
  }

  answerApproval(id: string, requestId: string, decision: ApprovalDecision): void {
    this.task(id).answerApproval(requestId, decision);
  }

  /** Forgets a finished task (its raw log stays on disk). */
  remove(id: string): void {
    const task = this.task(id);
    if (!isFinal(task.state.status)) {
      throw new InvalidState(`task ${id} is ${task.state.status}; kill it before removing it`);
    }
    // An idle session (mcp-server) still holds a codex: it ends with the task.
    void task.closeSession(this.opts.settings().killGraceMs);
    this.tasks.delete(id);
    this._onDidRemoveTask.fire(task.state);
  }

  /** Stops codex processes an earlier session left running (crash, killed host). */
  async reapLeftovers(): Promise<ReapResult> {
    if (!this.pids && readPidRecords(this.registryFile).length === 0) {
      // Nothing recorded: the process control need not be loaded for it.
      return { reaped: [], foreign: [] };
    }
    return this.registry.reap(this.opts.settings().killGraceMs);
  }

  /** Kills every task (reason recorded) and waits until nothing is left. */
  async shutdown(reason = 'window closed'): Promise<void> {
    this.disposed = true;
    for (const { task } of this.queue.splice(0)) {
      task.dequeue(reason);
    }
    await this.killAll(reason);
    const tasks = [...this.tasks.values()];
    const grace = this.opts.settings().killGraceMs;
    await Promise.all(tasks.map((t) => t.closeSession(grace)));
    await Promise.all(tasks.map((t) => t.whenSettled()));
    await Promise.all(tasks.map((t) => t.close()));
  }

  dispose(): Promise<void> {
    return this.shutdown().finally(() => {
      this._onDidChangeTask.dispose();
      this._onDidAddTask.dispose();
      this._onDidRemoveTask.dispose();
    });
  }

  // -------------------------------------------------------------------------------------------

  private task(id: string): Task {
    const t = this.tasks.get(id);
    if (!t) {
      throw new UnknownTask(id);
    }
    return t;
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
    let n = 0;
    for (const t of this.tasks.values()) {
      n += t.busy ? 1 : 0;
    }
    return n;
  }

  private enqueue(task: Task, input: TurnInput): void {
    this.queue.push({ task, input });
    this.pump();
  }

  private pump(): void {
    const max = Math.max(1, this.opts.settings().maxConcurrentTasks);
    while (this.queue.length > 0 && this.runningCount() < max && !this.disposed) {
      const { task, input } = this.queue.shift()!;
      task.runTurn(input);
    }
  }
}
