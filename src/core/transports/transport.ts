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

/** The process-facing side a transport talks to (a `CodexProcess`, or a test double). */
export interface TransportIO {
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
 * One wire protocol. A transport turns a turn into a process spec, reads every stdout line into
 * normalized events, and knows how to stop gracefully. It never owns the process.
 */
export interface Transport {
  readonly kind: TransportKind;
  spec(input: TurnInput): ProcessSpec;
  /**
   * Called once the process is running: send the handshake / the request. A transport whose process
   * would outlive the turn ends it (stdin EOF) when the turn is over: one process per turn.
   */
  attach(io: TransportIO, input: TurnInput, emit: (e: EventBody) => void): void;
  /** One complete stdout line (UTF-8 decoded); `oversize` lines are fragments past the limit. */
  onLine(line: string, emit: (e: EventBody) => void): void;
  /** The first, gentle stage of a kill. */
  gracefulStop(io: TransportIO): void;
  /**
   * For transports whose session lives only in the process (mcp-server): starts a follow-up turn on
   * the still-running process. Absent elsewhere: follow-ups start a new process.
   */
  continueInProcess?(io: TransportIO, input: TurnInput, emit: (e: EventBody) => void): void;
  /** Interrupts the running turn without killing the task (returns false when there is none). */
  interrupt?(io: TransportIO): boolean;
  /** Answers a pending approval; transports without approvals throw. */
  answerApproval?(io: TransportIO, requestId: string, decision: ApprovalDecision): void;
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
