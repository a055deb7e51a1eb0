import type { Logger } from '../base/logger';
import { InvalidState, errorMessage } from '../model/errors';
import { stamp, type ApprovalDecision, type EventBody, type TaskEvent } from '../model/events';
import { reduce, type TaskState } from '../model/taskState';
import type { ExitInfo } from '../process/codexProcess';
import type { TurnInput } from '../transports/transport';
import type { RuntimeModule } from './load';
import type { TaskWire, Turn, TurnOptions } from './runtime';

/** What a task needs from its manager. */
export interface TaskHost {
  readonly logger: Logger;
  /** The engine's heavy half, loaded on first use. */
  runtime(): RuntimeModule;
  /** Options for the process of the task's next turn. */
  turnOptions(taskId: string): TurnOptions;
  /** The task's state changed: `event` is why. */
  changed(task: Task, event: TaskEvent): void;
  /** The task's turn is over and its process gone: its slot is free. */
  turnEnded(task: Task): void;
  /** A turn runs: watch it for silence. */
  watchStalls(): void;
}

/**
 * One task: its state (written by `reduce` alone: every change is an event), its raw log, and the
 * process and transport session of its current turn, with what can be done to them (kill, interrupt,
 * follow-up, approvals). A task restored from the history has no wire until it is followed up.
 * After the git extension's Repository: the manager (its Model) keeps the list, this keeps the rest.
 */
export class Task {
  private current: TaskState;
  private wire: TaskWire | undefined;
  private turn: Turn | undefined;
  /** The turn is over but codex stays up holding the session (mcp-server): its end changes nothing. */
  private idle = false;
  private killReason: string | undefined;
  /** Resolves when the current process (if any) has ended and the state is final. */
  private settled: Promise<void> = Promise.resolve();
  /** When codex last printed a line (stdout or stderr), and whether the silence since was reported. */
  private lastHeard = Date.now();
  private stallReported = false;

  constructor(
    state: TaskState,
    private readonly host: TaskHost,
  ) {
    this.current = state;
  }

  get id(): string {
    return this.current.id;
  }

  get state(): TaskState {
    return this.current;
  }

  /** Restored from an earlier window's history: it has not run here (a follow-up prepares it). */
  get restored(): boolean {
    return this.wire === undefined;
  }

  /** Its process runs a turn: it holds a slot of the concurrency cap (an idle session does not). */
  get busy(): boolean {
    return this.turn?.running === true && !this.idle;
  }

  /** The one way its state changes: the event, through `reduce`, then to the listeners. */
  apply(body: EventBody): void {
    const event = stamp(body);
    if (event.type === 'sessionIdle') {
      this.idle = true;
    }
    this.current = reduce(this.current, event);
    this.host.changed(this, event);
  }

  /** Gives the task a transport, its codex and its raw log (a new task, or a restored one followed up). */
  prepare(wire: TaskWire): void {
    this.wire = wire;
    this.apply({ type: 'prepared', transport: wire.transport.kind, codexVersion: wire.install.version, rawLogPath: wire.log.path });
  }

  /** A raw log write failed (disk full, removed): said on the task and in the log, never silently. */
  logFailed(e: Error): void {
    const where = this.wire?.log.path ?? this.current.rawLogPath ?? '';
    this.host.logger.error(`raw log ${where}: ${e.message}`);
    this.apply({ type: 'warning', message: `raw log: ${e.message}; the log on disk is incomplete from here (${where})` });
  }

  /** Taken out of the queue before it ever ran. */
  dequeue(reason: string): void {
    this.wire?.log.meta({ event: 'dequeued', reason });
    this.apply({ type: 'dequeued', reason });
  }

  /** Starts codex for the next turn (the manager calls it when a slot is free). */
  runTurn(input: TurnInput): void {
    const wire = this.wire;
    if (!wire) {
      throw new InvalidState(`task ${this.id} has no transport to run a turn on`);
    }
    this.apply({ type: 'starting' });
    let turn: Turn;
    try {
      turn = this.host.runtime().startTurn(wire, input, { emit: (e) => this.apply(e), heard: () => this.heard() }, this.host.turnOptions(this.id));
    } catch (e) {
      this.host.logger.error(`task ${this.id}: ${errorMessage(e)}`);
      this.apply({ type: 'error', message: `${errorMessage(e)}: ${wire.install.executable}`, kind: 'spawnFailed', willRetry: false });
      this.apply({ type: 'exit', code: null, signal: null, killedByUs: false, stderrTail: '' });
      this.host.turnEnded(this);
      return;
    }
    this.turn = turn;
    this.heard();
    this.host.watchStalls();
    this.apply({ type: 'spawned', pid: turn.pid, transport: wire.transport.kind, codexVersion: wire.install.version });
    turn.open(input);
    this.settled = turn.ended.then(
      (exit) => this.finishTurn(wire, turn, exit),
      (e: unknown) => {
        this.host.logger.error(`task ${this.id}: ${errorMessage(e)}`);
        return this.finishTurn(wire, turn, { code: null, signal: null });
      },
    );
  }

  private async finishTurn(wire: TaskWire, turn: Turn, exit: ExitInfo): Promise<void> {
    // Every byte received is on disk before the task is reported as ended.
    await wire.log.drain();
    if (this.idle) {
      // The idle session ended (removed, window closed, or codex quit): the task's result stands.
      this.idle = false;
      this.apply({ type: 'sessionClosed', code: exit.code, signal: exit.signal });
      this.host.turnEnded(this);
      return;
    }
    this.apply({ type: 'exit', code: exit.code, signal: exit.signal, killedByUs: this.killReason !== undefined, killReason: this.killReason, stderrTail: turn.stderr() });
    const s = this.current;
    this.host.logger.info(`task ${s.id}: ${s.status} (exit ${exit.signal ?? exit.code})${s.error ? `: ${s.error.message}` : ''}`);
    this.host.turnEnded(this);
  }

  /**
   * The next turn on the same thread: on the process that holds the idle session when the transport
   * can (true), or queued for a new process (false: the manager queues it).
   */
  followUp(input: TurnInput): boolean {
    this.killReason = undefined;
    if (this.idle && this.turn?.running && this.turn.continuesInProcess) {
      this.idle = false;
      this.apply({ type: 'resumed' });
      this.turn.continueInProcess(input);
      return true;
    }
    this.apply({ type: 'queued' });
    return false;
  }

  /** Kills the running turn and resolves with the final state once nothing of it is left. */
  async kill(reason: string, graceMs: number): Promise<TaskState> {
    if (this.turn?.running) {
      this.killReason ??= reason;
      this.apply({ type: 'stopping', reason });
      await this.turn.kill(graceMs);
    }
    await this.settled;
    return this.current;
  }

  /**
   * Stops the running turn but keeps the thread for a follow-up. Transports that can interrupt
   * (app-server) do so, and the turn's processes end with the turn; the others are killed, and the
   * task is reported `interrupted`.
   */
  async interrupt(graceMs: number): Promise<TaskState> {
    const turn = this.turn;
    if (!turn?.running) {
      throw new InvalidState(`task ${this.id} is not running`);
    }
    if (!turn.interrupt()) {
      return this.kill('interrupted by user', graceMs);
    }
    this.apply({ type: 'stopping', reason: 'interrupted by user' });
    // The transport ends the process after the turn; if it does not within the grace, kill it.
    const timer = setTimeout(() => {
      this.killReason ??= 'interrupted by user';
      void turn.kill(graceMs);
    }, graceMs * 2);
    await this.settled;
    clearTimeout(timer);
    return this.current;
  }

  answerApproval(requestId: string, decision: ApprovalDecision): void {
    if (!this.turn?.running || !this.turn.answersApprovals) {
      throw new InvalidState(`task ${this.id} has no pending approval`);
    }
    if (!this.current.pendingApprovals.some((a) => a.requestId === requestId)) {
      throw new InvalidState(`task ${this.id} has no pending approval ${requestId}`);
    }
    this.turn.answerApproval(requestId, decision);
  }

  /** Ends the codex an idle session (mcp-server) still holds, if any. */
  async closeSession(graceMs: number): Promise<void> {
    if (this.idle && this.turn?.running) {
      await this.turn.close(graceMs);
    }
  }

  /** Resolves when the current turn (if any) has ended and its end is in the state. */
  whenSettled(): Promise<void> {
    return this.settled;
  }

  /** Closes the raw log (everything written, then fsync). */
  async close(): Promise<void> {
    await this.wire?.log.close();
  }

  private heard(): void {
    this.lastHeard = Date.now();
    this.stallReported = false;
  }

  /**
   * Says once that a running turn has been silent for `limitMs` (0: never). Returns whether a turn
   * runs (the manager's watch stops when none does).
   */
  checkStall(limitMs: number, now = Date.now()): boolean {
    if (!this.busy) {
      return false;
    }
    const silent = now - this.lastHeard;
    if (limitMs > 0 && !this.stallReported && this.current.status === 'running' && silent >= limitMs) {
      this.stallReported = true;
      this.apply({ type: 'stalled', seconds: Math.round(silent / 1000) });
    }
    return true;
  }
}
