import type { CodexInstallation } from '../process/codexLocator';
import type { ProcessSpec } from '../process/codexProcess';
import type { ApprovalDecision, EventBody } from '../model/events';
import type { Logger } from '../base/logger';
import type { ApprovalPolicy, TaskRequest, TransportKind } from '../model/request';
import { truncate } from '../model/truncate';

export interface TransportContext {
  readonly request: TaskRequest;
  readonly install: CodexInstallation;
  /** The policy that will actually run (exec runs on-request as never). */
  readonly effectivePolicy: ApprovalPolicy;
  /** Environment for codex: the user's own, plus what the npm wrapper would add. */
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
}

/**
 * What a session may do to the process of its turn: write codex's stdin, close it, and signal codex as
 * the graceful first stage of a kill. A `CodexProcess`, or a test double.
 */
export interface TurnIO {
  write(line: string): void;
  endStdin(): void;
  signal(sig: NodeJS.Signals): void;
}

/** What a turn starts from: the first prompt, or a follow-up on an existing thread. */
export interface TurnInput {
  readonly prompt: string;
  /** Set for follow-ups: the thread to continue. */
  readonly threadId?: string;
  /** True when the thread lives in an earlier process (resume after a restart). */
  readonly resume?: boolean;
}

/**
 * One wire protocol, for one task: it turns a turn into a process spec, and once that process runs,
 * opens a session bound to it.
 */
export interface Transport {
  readonly kind: TransportKind;
  spec(input: TurnInput): ProcessSpec;
  /** Binds a session to the turn's process and sends the handshake or the request. */
  open(io: TurnIO, input: TurnInput, emit: (e: EventBody) => void): TransportSession;
}

/**
 * The protocol state of one codex process: it reads every stdout line into normalized events and
 * writes what the wire needs. The session owns the process's stdio, not its life: it closes stdin
 * when its wire has nothing more to send in this process (codex then exits by itself: one process per
 * turn), and signals codex only as `gracefulStop`, the first stage of a kill the task asked for. It
 * never kills, and never waits for the process: the task does, and the process's end ends the turn.
 */
export interface TransportSession {
  /** One complete stdout line (UTF-8 decoded). */
  onLine(line: string): void;
  /** The first, gentle stage of a kill. */
  gracefulStop(): void;
  /**
   * For transports whose session lives only in the process (mcp-server): starts a follow-up turn on
   * the still-running process. Absent elsewhere: follow-ups start a new process.
   */
  continueInProcess?(input: TurnInput): void;
  /** Interrupts the running turn without killing the task (returns false when there is none). */
  interrupt?(): boolean;
  /** Answers a pending approval; absent on transports without approvals. */
  answerApproval?(requestId: string, decision: ApprovalDecision): void;
}

/** How every transport starts codex: the resolved executable, in the task's cwd, with its environment. */
export function codexSpec(ctx: TransportContext, args: string[]): ProcessSpec {
  return { executable: ctx.install.executable, args, cwd: ctx.request.cwd, env: ctx.env };
}

/** Parses a JSON line; returns `undefined` for anything that is not a JSON object. */
export function parseJsonObject(line: string): Record<string, unknown> | undefined {
  // The first non-blank character decides; no trimmed copy of every line.
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) <= 32)) {
    i++;
  }
  if (line.charCodeAt(i) !== 123 /* { */) {
    return undefined;
  }
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps an unknown line short enough to show and store in state, but says how long it was. */
export function clip(line: string, max = 2000): string {
  return truncate(line, max, (_cut, length) => ` (${length} chars)`);
}
