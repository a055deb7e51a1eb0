/**
 * The `codex app-server` wire (Codex ≥ 0.154; shared/codex-protocol §2), in one place: the methods we
 * call and their parameters, the notifications and server requests we read, their shapes, and what
 * each becomes as a normalized event. A change in Codex's protocol is a change in this file.
 */
import type { ApprovalDecision, EventBody, FileChangeEntry, TokenCounts } from '../model/events';
import type { ApprovalPolicy, TaskRequest } from '../model/request';
import { anything, arrayOf, bool, type GuardType, nullable, num, oneOf, opt, shape, str } from './guards';
import { clientInfo } from './jsonRpc';
import { commandEndStatus, errorKind, fileChangeKind } from './normalize';

/** app-server prints no `jsonrpc` field, and takes messages without it. */
export const WITH_JSONRPC = false;

/** Sent upstream by codex as the `originator` of every model request. */
export const CLIENT_NAME = 'codex_tasks_vscode';

/** Our requests and notifications. */
export const Call = {
  initialize: 'initialize',
  initialized: 'initialized',
  threadStart: 'thread/start',
  threadResume: 'thread/resume',
  turnStart: 'turn/start',
  turnInterrupt: 'turn/interrupt',
} as const;

/** Codex's notifications. */
export const Note = {
  turnStarted: 'turn/started',
  turnCompleted: 'turn/completed',
  itemStarted: 'item/started',
  itemCompleted: 'item/completed',
  agentMessageDelta: 'item/agentMessage/delta',
  reasoningSummaryDelta: 'item/reasoning/summaryTextDelta',
  commandOutputDelta: 'item/commandExecution/outputDelta',
  diffUpdated: 'turn/diff/updated',
  tokenUsageUpdated: 'thread/tokenUsage/updated',
  error: 'error',
  serverRequestResolved: 'serverRequest/resolved',
  warning: 'warning',
} as const;

/** The item types of item/started and item/completed. */
export const Item = {
  userMessage: 'userMessage',
  contextCompaction: 'contextCompaction',
  reasoning: 'reasoning',
  agentMessage: 'agentMessage',
  commandExecution: 'commandExecution',
  fileChange: 'fileChange',
  mcpToolCall: 'mcpToolCall',
} as const;

/** Codex's requests to us. */
export const Ask = {
  commandApproval: 'item/commandExecution/requestApproval',
  fileChangeApproval: 'item/fileChange/requestApproval',
} as const;

/** Notifications we know and deliberately do not show (they stay in the raw log). */
export const QUIET: ReadonlySet<string> = new Set([
  'thread/started',
  'thread/status/changed',
  'configWarning',
  'remoteControl/status/changed',
  'account/rateLimits/updated',
  'item/reasoning/summaryPartAdded',
  'item/reasoning/textDelta',
  'deprecationNotice',
  'mcpServer/startupStatus/updated',
  'item/mcpToolCall/progress',
  'thread/goal/cleared',
  'thread/name/updated',
  'skills/changed',
]);

// ---------------------------------------------------------------------------------------------
// What we send.

export const initializeParams = () => ({ clientInfo: clientInfo(CLIENT_NAME) });

export function threadStartParams(r: TaskRequest, approvalPolicy: ApprovalPolicy): Record<string, unknown> {
  const params: Record<string, unknown> = { cwd: r.cwd, approvalPolicy, sandbox: r.sandbox };
  if (r.model) {
    params.model = r.model;
  }
  if (r.config) {
    params.config = r.config;
  }
  return params;
}

export const threadResumeParams = (threadId: string) => ({ threadId });
export const turnStartParams = (threadId: string, prompt: string) => ({ threadId, input: [{ type: 'text', text: prompt, text_elements: [] }] });
export const turnInterruptParams = (threadId: string, turnId: string) => ({ threadId, turnId });
/** Our answer to an approval request. */
export const approvalAnswer = (decision: ApprovalDecision) => ({ decision });

// ---------------------------------------------------------------------------------------------
// What we read: each guard checks exactly the fields we use, in place.

const Counts = shape({
  totalTokens: num,
  inputTokens: num,
  cachedInputTokens: opt(num),
  outputTokens: num,
  reasoningOutputTokens: opt(num),
});
export const TokenUsageParams = shape({
  tokenUsage: shape({ total: Counts, last: opt(Counts), modelContextWindow: opt(nullable(num)) }),
});
export const ItemParams = shape({ item: shape({ id: str, type: str }), turnId: opt(str) });
export const DeltaParams = shape({ itemId: str, delta: str });
export const TurnParams = shape({
  turn: shape({ id: str, status: opt(str), error: opt(nullable(shape({ message: str }))) }),
});
export const ErrorParams = shape({
  error: shape({ message: str, codexErrorInfo: opt(anything) }),
  willRetry: opt(bool),
});
export const CommandItem = shape({
  id: str,
  command: str,
  cwd: opt(str),
  status: opt(str),
  aggregatedOutput: opt(nullable(str)),
  exitCode: opt(nullable(num)),
  durationMs: opt(nullable(num)),
});
export const FileChangeItem = shape({
  id: str,
  status: opt(str),
  changes: arrayOf(shape({ path: str, kind: oneOf(str, shape({ type: str })), diff: opt(str) })),
});
export const ToolItem = shape({
  id: str,
  server: str,
  tool: str,
  status: opt(str),
  arguments: opt(anything),
  result: opt(anything),
  error: opt(nullable(shape({ message: str }))),
  durationMs: opt(nullable(num)),
});
export const CommandApproval = shape({ itemId: opt(str), command: opt(str), cwd: opt(str), reason: opt(nullable(str)) });
export const PatchApproval = shape({ itemId: opt(str), reason: opt(nullable(str)) });
export const DiffParams = shape({ diff: str });
export const MessageParams = shape({ message: str });
export const ReasoningItem = shape({ summary: opt(arrayOf(anything)) });
export const MessageText = shape({ text: str });
export const ResolvedParams = shape({ requestId: oneOf(num, str) });

/** The thread a thread/start or thread/resume result names, and the model it runs. */
export function threadOf(result: unknown): { id?: string; model?: string } {
  const r = (result ?? {}) as { thread?: { id?: unknown }; model?: unknown };
  return { id: typeof r.thread?.id === 'string' ? r.thread.id : undefined, model: typeof r.model === 'string' ? r.model : undefined };
}

/** The turn a turn/start result names. */
export function turnIdOf(result: unknown): string | undefined {
  const id = ((result ?? {}) as { turn?: { id?: unknown } }).turn?.id;
  return typeof id === 'string' ? id : undefined;
}

// ---------------------------------------------------------------------------------------------
// What it becomes.

function counts(c: GuardType<typeof Counts>): TokenCounts {
  return { input: c.inputTokens, cachedInput: c.cachedInputTokens ?? 0, output: c.outputTokens, reasoningOutput: c.reasoningOutputTokens ?? 0, total: c.totalTokens };
}

export function tokenUsage(p: GuardType<typeof TokenUsageParams>): EventBody {
  const u = p.tokenUsage;
  return { type: 'tokenUsage', total: counts(u.total), last: u.last ? counts(u.last) : undefined, contextWindow: u.modelContextWindow ?? undefined };
}

export function turnEnd(p: GuardType<typeof TurnParams>): EventBody {
  const st = p.turn.status;
  return { type: 'turnEnd', turnId: p.turn.id, status: st === 'completed' ? 'completed' : st === 'interrupted' ? 'interrupted' : 'failed', error: p.turn.error?.message };
}

export function error(p: GuardType<typeof ErrorParams>): EventBody {
  return { type: 'error', message: p.error.message, kind: errorKind(p.error.codexErrorInfo), willRetry: p.willRetry ?? false };
}

export function commandApproval(requestId: string, params: unknown): EventBody {
  const d: Partial<GuardType<typeof CommandApproval>> = CommandApproval(params) ? params : {};
  return { type: 'approvalRequest', requestId, kind: 'command', itemId: d.itemId, command: d.command, cwd: d.cwd, reason: d.reason ?? undefined };
}

/** A patch approval names the fileChange item whose files it would write. */
export function patchApproval(requestId: string, params: unknown, changesOf: (itemId: string) => readonly FileChangeEntry[] | undefined): EventBody {
  const d: Partial<GuardType<typeof PatchApproval>> = PatchApproval(params) ? params : {};
  return { type: 'approvalRequest', requestId, kind: 'patch', itemId: d.itemId, reason: d.reason ?? undefined, changes: d.itemId ? changesOf(d.itemId) : undefined };
}

export function reasoningText(item: Record<string, unknown>): string {
  return (ReasoningItem(item) ? (item.summary ?? []) : []).map((s) => (typeof s === 'string' ? s : ((s as { text?: string }).text ?? ''))).join('\n');
}

export function commandBegin(c: GuardType<typeof CommandItem>): EventBody {
  return { type: 'commandBegin', itemId: c.id, command: c.command, cwd: c.cwd };
}

export function commandEnd(c: GuardType<typeof CommandItem>): EventBody {
  return {
    type: 'commandEnd',
    itemId: c.id,
    command: c.command,
    exitCode: c.exitCode ?? null,
    durationMs: c.durationMs ?? undefined,
    // aggregatedOutput is authoritative: deltas can be missing (§2 shell race).
    output: c.aggregatedOutput ?? undefined,
    status: commandEndStatus(c.status, c.exitCode),
  };
}

export function fileChanges(f: GuardType<typeof FileChangeItem>): FileChangeEntry[] {
  return f.changes.map((ch) => ({ path: ch.path, kind: fileChangeKind(ch.kind), diff: ch.diff }));
}

export function fileChange(f: GuardType<typeof FileChangeItem>, changes: readonly FileChangeEntry[], done: boolean): EventBody {
  const st = f.status;
  return { type: 'fileChange', itemId: f.id, changes, status: !done ? 'started' : st === 'declined' ? 'declined' : st === 'failed' ? 'failed' : 'completed' };
}

export function toolCall(m: GuardType<typeof ToolItem>, done: boolean): EventBody {
  return done
    ? { type: 'toolCallEnd', itemId: m.id, server: m.server, tool: m.tool, durationMs: m.durationMs ?? undefined, result: m.result, error: m.error?.message }
    : { type: 'toolCallBegin', itemId: m.id, server: m.server, tool: m.tool, arguments: m.arguments };
}
