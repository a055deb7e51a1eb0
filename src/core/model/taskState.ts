import type { EventBody, TaskEvent, TokenCounts, TurnEndStatus } from './events';
import type { TaskRequest, TransportKind } from './request';
import { oneLine } from './truncate';

export type TaskStatus =
  | 'queued'
  | 'starting'
  | 'running'
  | 'needsApproval'
  | 'stopping'
  | 'completed'
  | 'failed'
  | 'killed'
  | 'interrupted';

export const FINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'killed', 'interrupted']);
export const isFinal = (s: TaskStatus): boolean => FINAL_STATUSES.has(s);

export interface TurnSummary {
  readonly id?: string;
  readonly status: 'running' | TurnEndStatus;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly error?: string;
}

/** An approval codex asked for and nobody answered yet: the request as codex sent it, and when. */
export type PendingApproval = Omit<Extract<EventBody, { type: 'approvalRequest' }>, 'type'> & { readonly at: number };

export interface TaskTokens {
  /** Thread total (grows across turns). */
  readonly total?: TokenCounts;
  /** The latest model response. */
  readonly last?: TokenCounts;
  readonly contextWindow?: number;
}

export interface TaskState {
  /** Short hex id, like the seed's `336ae0`. */
  readonly id: string;
  readonly request: TaskRequest;
  readonly transport?: TransportKind;
  readonly codexVersion?: string;
  readonly pid?: number;
  readonly status: TaskStatus;
  readonly threadId?: string;
  readonly model?: string;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly tokens: TaskTokens;
  /** What it is doing now, in a few words ("$ npm test", "Reconnecting... 2/5", "thinking"). */
  readonly activity?: string;
  /** Items in flight (commands, tool calls) by item id, with a short description. */
  readonly active: Readonly<Record<string, string>>;
  readonly counts: {
    readonly commands: number;
    readonly toolCalls: number;
    readonly filesChanged: number;
    readonly unknownEvents: number;
    readonly warnings: number;
  };
  readonly turns: readonly TurnSummary[];
  readonly pendingApprovals: readonly PendingApproval[];
  readonly lastMessage?: string;
  readonly latestDiff?: string;
  readonly error?: { readonly message: string; readonly kind?: string };
  readonly exit?: { readonly code: number | null; readonly signal: string | null };
  readonly stderrTail?: string;
  readonly rawLogPath?: string;
  /** Why it is stopping or why it was killed/interrupted ("killed by user", "window closed"). */
  readonly endReason?: string;
}

export function initialState(id: string, request: TaskRequest, createdAt = Date.now()): TaskState {
  // Every field present from the start (undefined until known): each state has the same shape, which
  // keeps the reducer's copies on V8's fast path.
  const s: Complete<TaskState> = {
    id,
    request,
    transport: undefined,
    codexVersion: undefined,
    pid: undefined,
    status: 'queued',
    threadId: undefined,
    model: undefined,
    createdAt,
    startedAt: undefined,
    endedAt: undefined,
    tokens: {},
    activity: undefined,
    active: {},
    counts: { commands: 0, toolCalls: 0, filesChanged: 0, unknownEvents: 0, warnings: 0 },
    turns: [],
    pendingApprovals: [],
    lastMessage: undefined,
    latestDiff: undefined,
    error: undefined,
    exit: undefined,
    stderrTail: undefined,
    rawLogPath: undefined,
    endReason: undefined,
  };
  return s;
}

function withoutKey<T>(rec: Readonly<Record<string, T>>, key: string): Record<string, T> {
  if (!(key in rec)) {
    return rec as Record<string, T>;
  }
  const { [key]: _gone, ...rest } = rec;
  return rest;
}

/** The most recent item in flight, or undefined. */
function latestActive(active: Readonly<Record<string, string>>): string | undefined {
  const values = Object.values(active);
  return values.length > 0 ? values[values.length - 1] : undefined;
}

function endTurn(turns: readonly TurnSummary[], status: TurnEndStatus, at: number, id?: string, error?: string): TurnSummary[] {
  const idx = turns.findLastIndex((t) => t.status === 'running' && (id === undefined || t.id === undefined || t.id === id));
  if (idx < 0) {
    return [...turns, { id, status, startedAt: at, endedAt: at, error }];
  }
  const copy = turns.slice();
  const t = copy[idx];
  // Spelled out rather than spread: every turn has the same five fields (one shape, fast to build).
  copy[idx] = { id: t.id ?? id, status, startedAt: t.startedAt, endedAt: at, error };
  return copy;
}

/** A state's fields that `next` may replace. */
type Patch = { -readonly [K in keyof TaskState]?: TaskState[K] };

/**
 * Every field of `T`, the optional ones too (as `… | undefined`): a literal of this type that forgets
 * a field does not compile. (Mapped over `Exclude<keyof T, never>` rather than `keyof T`, so that the
 * fields do not stay optional.)
 */
type Complete<T> = { -readonly [K in Exclude<keyof T, never>]: T[K] };

/**
 * The next state: `s` with the fields of `p` replaced. Every state is built by this one object literal
 * (and `initialState`), so all states share one shape and copying one stays on V8's fast path (a
 * spread at many sites over states of many shapes turned megamorphic: several µs per event). It is
 * typed `Complete`: a field added to `TaskState` and forgotten here is a compile error, not a field
 * silently reset on every event.
 */
function next(s: TaskState, p: Patch): TaskState {
  const out: Complete<TaskState> = {
    id: s.id,
    request: s.request,
    transport: 'transport' in p ? p.transport : s.transport,
    codexVersion: 'codexVersion' in p ? p.codexVersion : s.codexVersion,
    pid: 'pid' in p ? p.pid : s.pid,
    status: p.status ?? s.status,
    threadId: 'threadId' in p ? p.threadId : s.threadId,
    model: 'model' in p ? p.model : s.model,
    createdAt: s.createdAt,
    startedAt: 'startedAt' in p ? p.startedAt : s.startedAt,
    endedAt: 'endedAt' in p ? p.endedAt : s.endedAt,
    tokens: p.tokens ?? s.tokens,
    activity: 'activity' in p ? p.activity : s.activity,
    active: p.active ?? s.active,
    counts: p.counts ?? s.counts,
    turns: p.turns ?? s.turns,
    pendingApprovals: p.pendingApprovals ?? s.pendingApprovals,
    lastMessage: 'lastMessage' in p ? p.lastMessage : s.lastMessage,
    latestDiff: 'latestDiff' in p ? p.latestDiff : s.latestDiff,
    error: 'error' in p ? p.error : s.error,
    exit: 'exit' in p ? p.exit : s.exit,
    stderrTail: 'stderrTail' in p ? p.stderrTail : s.stderrTail,
    rawLogPath: 'rawLogPath' in p ? p.rawLogPath : s.rawLogPath,
    endReason: 'endReason' in p ? p.endReason : s.endReason,
  };
  return out;
}

/** A kill's reason says what the task became: the window closing or an interrupt leave it interrupted. */
function endedBy(reason: string): 'killed' | 'interrupted' {
  return reason === 'window closed' || reason === 'interrupted by user' ? 'interrupted' : 'killed';
}

/** The pure reducer: every surface is a projection of what this returns. */
export function reduce(s: TaskState, e: TaskEvent): TaskState {
  switch (e.type) {
    case 'spawned':
      return next(s, {
        pid: e.pid,
        transport: e.transport,
        codexVersion: e.codexVersion,
        status: s.status === 'stopping' ? s.status : 'running',
        startedAt: s.startedAt ?? e.at,
        activity: 'starting codex',
      });
    case 'sessionStarted':
      return next(s, { threadId: e.threadId, model: e.model ?? s.model, tokens: e.contextWindow ? { ...s.tokens, contextWindow: e.contextWindow } : s.tokens });
    case 'turnStarted':
      if (e.turnId !== undefined && s.turns.some((t) => t.id === e.turnId)) {
        return s;
      }
      return next(s, { turns: [...s.turns, { id: e.turnId, status: 'running', startedAt: e.at, endedAt: undefined, error: undefined }], activity: 'thinking' });
    case 'reasoning':
      return s.activity === 'thinking' ? s : next(s, { activity: latestActive(s.active) ?? 'thinking' });
    case 'agentMessage':
      if (!e.delta) {
        return next(s, { lastMessage: e.text, activity: latestActive(s.active) ?? 'answering' });
      }
      return s.activity === 'answering' ? s : next(s, { activity: latestActive(s.active) ?? 'answering' });
    case 'commandBegin': {
      const label = `$ ${oneLine(e.command)}`;
      return next(s, { active: { ...s.active, [e.itemId]: label }, activity: label });
    }
    case 'commandOutput':
      return s;
    case 'commandEnd': {
      const active = withoutKey(s.active, e.itemId);
      return next(s, { active, counts: { ...s.counts, commands: s.counts.commands + 1 }, activity: latestActive(active) ?? 'thinking' });
    }
    case 'fileChange': {
      if (e.status === 'started') {
        const label = `editing ${e.changes.map((c) => c.path.split('/').pop()).join(', ') || 'files'}`;
        return next(s, { active: { ...s.active, [e.itemId]: label }, activity: label });
      }
      const active = withoutKey(s.active, e.itemId);
      const changed = e.status === 'completed' ? e.changes.length : 0;
      // Per-file diffs (app-server) stand in until a whole-turn diff arrives.
      const diffs = e.status === 'completed' ? e.changes.filter((c) => c.diff).map((c) => c.diff!) : [];
      return next(s, {
        active,
        counts: { ...s.counts, filesChanged: s.counts.filesChanged + changed },
        activity: latestActive(active) ?? 'thinking',
        latestDiff: diffs.length > 0 && !s.latestDiff ? diffs.join('\n') : s.latestDiff,
      });
    }
    case 'diff':
      return next(s, { latestDiff: e.diff });
    case 'toolCallBegin': {
      const label = `tool ${e.server}.${e.tool}`;
      return next(s, { active: { ...s.active, [e.itemId]: label }, activity: label });
    }
    case 'toolCallEnd': {
      const active = withoutKey(s.active, e.itemId);
      return next(s, { active, counts: { ...s.counts, toolCalls: s.counts.toolCalls + 1 }, activity: latestActive(active) ?? 'thinking' });
    }
    case 'tokenUsage':
      return next(s, { tokens: { total: e.total, last: e.last ?? s.tokens.last, contextWindow: e.contextWindow ?? s.tokens.contextWindow } });
    case 'approvalRequest': {
      const p: PendingApproval = {
        requestId: e.requestId,
        kind: e.kind,
        itemId: e.itemId,
        command: e.command,
        cwd: e.cwd,
        reason: e.reason,
        changes: e.changes,
        at: e.at,
      };
      const what = e.kind === 'command' ? `$ ${oneLine(e.command ?? 'command', 60)}` : 'a patch';
      return next(s, {
        pendingApprovals: [...s.pendingApprovals.filter((a) => a.requestId !== e.requestId), p],
        status: s.status === 'running' ? 'needsApproval' : s.status,
        activity: `waiting for approval: ${what}`,
      });
    }
    case 'approvalResolved': {
      const pending = s.pendingApprovals.filter((a) => a.requestId !== e.requestId);
      return next(s, {
        pendingApprovals: pending,
        status: s.status === 'needsApproval' && pending.length === 0 ? 'running' : s.status,
        activity: pending.length === 0 ? (latestActive(s.active) ?? 'thinking') : s.activity,
      });
    }
    case 'stalled':
      return next(s, { activity: `no output for ${e.seconds} s: it may be stuck (Kill stops it)`, counts: { ...s.counts, warnings: s.counts.warnings + 1 } });
    case 'warning':
      return next(s, { counts: { ...s.counts, warnings: s.counts.warnings + 1 } });
    case 'error':
      if (e.willRetry) {
        // Codex retries on its own ("Reconnecting... 2/5"): show it so the user can decide to kill.
        return next(s, { activity: oneLine(e.message, 100) });
      }
      return next(s, { error: { message: e.message, kind: e.kind } });
    case 'turnEnd': {
      const error = e.status === 'failed' ? (e.error ?? s.error?.message) : undefined;
      return next(s, {
        turns: endTurn(s.turns, e.status, e.at, e.turnId, error),
        active: {},
        pendingApprovals: [],
        status: s.status === 'needsApproval' ? 'running' : s.status,
        activity: e.status === 'completed' ? 'turn completed' : `turn ${e.status}`,
        error: error ? { message: error, kind: s.error?.kind } : s.error,
      });
    }
    case 'stderr':
      return s;
    case 'unknown':
      return next(s, { counts: { ...s.counts, unknownEvents: s.counts.unknownEvents + 1 } });
    case 'stopping':
      return isFinal(s.status) ? s : next(s, { status: 'stopping', activity: 'stopping…', endReason: e.reason });
    case 'sessionIdle': {
      const last = s.turns[s.turns.length - 1];
      const status = last?.status === 'completed' ? 'completed' : last?.status === 'interrupted' ? 'interrupted' : 'failed';
      return next(s, { status, endedAt: e.at, active: {}, pendingApprovals: [], activity: undefined });
    }
    case 'exit':
      return finish(s, e);
    case 'prepared':
      return next(s, { transport: e.transport, codexVersion: e.codexVersion, rawLogPath: e.rawLogPath });
    case 'queued':
      return next(s, { status: 'queued', endReason: undefined, error: undefined, exit: undefined });
    case 'starting':
      return next(s, { status: 'starting' });
    case 'dequeued':
      return next(s, { status: endedBy(e.reason), endReason: e.reason, endedAt: e.at });
    case 'resumed':
      return next(s, { status: 'running', endReason: undefined, error: undefined, endedAt: undefined });
    case 'sessionClosed':
      return next(s, { exit: { code: e.code, signal: e.signal } });
    case 'abandoned':
      return isFinal(s.status) ? s : next(s, { status: 'interrupted', endReason: e.reason, endedAt: e.at, activity: undefined, active: {}, pendingApprovals: [] });
  }
}

function finish(s: TaskState, e: Extract<TaskEvent, { type: 'exit' }>): TaskState {
  const exit = { code: e.code, signal: e.signal };
  const lastTurn = s.turns[s.turns.length - 1];
  const turns = lastTurn?.status === 'running' ? endTurn(s.turns, 'interrupted', e.at) : s.turns;
  const base = next(s, { exit, endedAt: e.at, active: {}, pendingApprovals: [], activity: undefined, turns, stderrTail: e.stderrTail || s.stderrTail });
  if (e.killedByUs) {
    const reason = e.killReason ?? s.endReason ?? 'killed by user';
    return next(base, { status: endedBy(reason), endReason: reason });
  }
  if (e.signal) {
    // Never "completed": an end by signal is reported as the signal it was.
    return next(base, { status: 'killed', endReason: `killed by ${e.signal} (not by Codex Tasks)`, error: s.error ?? { message: `codex was killed by ${e.signal}` } });
  }
  if (e.code !== 0) {
    const tail = e.stderrTail.trim().split('\n').slice(-3).join('\n');
    const message = s.error?.message ?? (tail ? tail : `codex exited with code ${e.code}`);
    return next(base, { status: 'failed', error: { message, kind: s.error?.kind } });
  }
  if (lastTurn === undefined || lastTurn.status === 'running') {
    return next(base, { status: 'failed', error: s.error ?? { message: 'codex exited before the turn finished' } });
  }
  if (lastTurn.status === 'failed') {
    return next(base, { status: 'failed', error: s.error ?? { message: lastTurn.error ?? 'turn failed' } });
  }
  if (lastTurn.status === 'interrupted') {
    return next(base, { status: 'interrupted', endReason: s.endReason ?? 'turn interrupted' });
  }
  return next(base, { status: 'completed' });
}
