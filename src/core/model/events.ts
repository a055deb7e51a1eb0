import type { TransportKind } from './request';

/** Token counts as Codex reports them; every transport is normalized to this shape. */
export interface TokenCounts {
  readonly input: number;
  readonly cachedInput: number;
  readonly output: number;
  readonly reasoningOutput: number;
  readonly total: number;
}

export type TurnEndStatus = 'completed' | 'interrupted' | 'failed';
export type ApprovalKind = 'command' | 'patch';
export type ApprovalDecision = 'accept' | 'acceptForSession' | 'decline' | 'cancel';

export interface FileChangeEntry {
  readonly path: string;
  readonly kind: string;
  readonly diff?: string;
}

/**
 * The one normalized event union all transports produce. `at` is when we received it (epoch ms).
 */
export type TaskEvent = { readonly at: number } & (
  | { readonly type: 'spawned'; readonly pid: number; readonly transport: TransportKind; readonly codexVersion: string }
  | { readonly type: 'sessionStarted'; readonly threadId: string; readonly model?: string; readonly contextWindow?: number }
  | { readonly type: 'turnStarted'; readonly turnId?: string }
  | { readonly type: 'reasoning'; readonly itemId?: string; readonly text: string; readonly delta: boolean }
  | { readonly type: 'agentMessage'; readonly itemId?: string; readonly text: string; readonly delta: boolean }
  | { readonly type: 'commandBegin'; readonly itemId: string; readonly command: string; readonly cwd?: string }
  | { readonly type: 'commandOutput'; readonly itemId: string; readonly chunk: string }
  | {
      readonly type: 'commandEnd';
      readonly itemId: string;
      readonly command: string;
      readonly exitCode: number | null;
      readonly durationMs?: number;
      /** Authoritative full output when the transport gives it (deltas can be missing). */
      readonly output?: string;
      readonly status: 'completed' | 'failed' | 'declined' | 'interrupted';
    }
  | { readonly type: 'fileChange'; readonly itemId: string; readonly changes: readonly FileChangeEntry[]; readonly status: 'started' | 'completed' | 'failed' | 'declined' }
  | { readonly type: 'diff'; readonly diff: string }
  | { readonly type: 'toolCallBegin'; readonly itemId: string; readonly server: string; readonly tool: string; readonly arguments?: unknown }
  | {
      readonly type: 'toolCallEnd';
      readonly itemId: string;
      readonly server: string;
      readonly tool: string;
      readonly durationMs?: number;
      readonly result?: unknown;
      readonly error?: string;
    }
  | { readonly type: 'tokenUsage'; readonly total: TokenCounts; readonly last?: TokenCounts; readonly contextWindow?: number }
  | {
      readonly type: 'approvalRequest';
      readonly requestId: string;
      readonly kind: ApprovalKind;
      readonly itemId?: string;
      readonly command?: string;
      readonly cwd?: string;
      readonly reason?: string;
      readonly changes?: readonly FileChangeEntry[];
    }
  | { readonly type: 'approvalResolved'; readonly requestId: string; readonly decision?: ApprovalDecision }
  | { readonly type: 'warning'; readonly message: string }
  /** codex printed nothing for this long while a turn ran (it may be stuck; it may be thinking). */
  | { readonly type: 'stalled'; readonly seconds: number }
  | { readonly type: 'error'; readonly message: string; readonly kind?: string; readonly willRetry: boolean }
  | { readonly type: 'turnEnd'; readonly turnId?: string; readonly status: TurnEndStatus; readonly error?: string }
  | { readonly type: 'stderr'; readonly line: string }
  /** Anything a transport could not parse or does not know: kept verbatim and counted, never dropped. */
  | { readonly type: 'unknown'; readonly raw: string; readonly reason: string }
  | { readonly type: 'stopping'; readonly reason: string }
  // What the engine itself does with a task (no codex line behind these):
  /** The task has a codex, a transport and a raw log (at start, and when a restored task is followed up). */
  | { readonly type: 'prepared'; readonly transport: TransportKind; readonly codexVersion: string; readonly rawLogPath: string }
  /** Waiting for a slot under the concurrency cap (a follow-up queued behind running tasks, too). */
  | { readonly type: 'queued' }
  /** Out of the queue: codex is being started for the next turn. */
  | { readonly type: 'starting' }
  /** Taken out of the queue before it ever started (killed, or the window closed). */
  | { readonly type: 'dequeued'; readonly reason: string }
  /** A follow-up turn on the process that held the idle session (mcp-server). */
  | { readonly type: 'resumed' }
  /** The idle session's codex ended (task removed, window closed, or codex quit): the task's result stands. */
  | { readonly type: 'sessionClosed'; readonly code: number | null; readonly signal: string | null }
  /** How a running task is recorded when the extension host goes away under it: interrupted. */
  | { readonly type: 'abandoned'; readonly reason: string }
  /** The turn is over and codex stays up, idle, holding the session for a follow-up (mcp-server). */
  | { readonly type: 'sessionIdle' }
  | {
      readonly type: 'exit';
      readonly code: number | null;
      readonly signal: string | null;
      /** True when the end came from our own kill (user, dispose, window close). */
      readonly killedByUs: boolean;
      readonly stderrTail: string;
      /** Why we killed it, when we did (e.g. "window closed"). */
      readonly killReason?: string;
    }
);

/** Distributes over the union so that `EventInit<'x'>` keeps that member's own fields. */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EventBody = Without<TaskEvent, 'at'>;

/**
 * Gives an event its time. The body is one a transport has just built for this call alone, so it is
 * stamped in place: no copy per event on the hot path.
 */
export function stamp(e: EventBody, at = Date.now()): TaskEvent {
  (e as { at?: number }).at = at;
  return e as TaskEvent;
}
