/**
 * The `codex mcp-server` wire (Codex ≤ 0.153.x, the seed's transport; shared/codex-protocol §4), in
 * one place: MCP's handshake and `tools/call` of the tools `codex` and `codex-reply`, progress as
 * `codex/event` notifications and what each becomes as a normalized event, approvals as
 * `elicitation/create` requests answered in Codex's own shape. A change in Codex's protocol is a
 * change in this file.
 */
import type { ApprovalDecision, EventBody, FileChangeEntry } from '../model/events';
import type { ApprovalPolicy, TaskRequest } from '../model/request';
import { arrayOf, bool, type GuardType, nullable, opt, recordOf, shape, str } from './guards';
import { clientInfo } from './jsonRpc';
import { commandEndStatus, errorKind, SnakeUsage, snakeUsage } from './normalize';

/** MCP messages carry `"jsonrpc": "2.0"`. */
export const WITH_JSONRPC = true;

export const PROTOCOL_VERSION = '2025-06-18';
export const CLIENT_NAME = 'codex-tasks-vscode';

export const Call = {
  initialize: 'initialize',
  initialized: 'notifications/initialized',
  toolsCall: 'tools/call',
  cancelled: 'notifications/cancelled',
} as const;

export const Note = { event: 'codex/event' } as const;

/** The `codex/event` types the session itself follows (the others are in `plainEvent`). */
export const Event = {
  sessionConfigured: 'session_configured',
  taskStarted: 'task_started',
  taskComplete: 'task_complete',
  turnAborted: 'turn_aborted',
  error: 'error',
  /** Deltas come in two generations: the newer ones win where both arrive. */
  reasoningDelta: 'agent_reasoning_delta',
  reasoningContentDelta: 'reasoning_content_delta',
  messageDelta: 'agent_message_delta',
  messageContentDelta: 'agent_message_content_delta',
} as const;
export const Ask = { elicitation: 'elicitation/create' } as const;

/** codex/event types we know and deliberately do not show (they stay in the raw log). */
export const QUIET: ReadonlySet<string> = new Set([
  'mcp_startup_complete', 'mcp_startup_update', 'raw_response_item', 'raw_response_completed', 'item_started', 'item_completed',
  'user_message', 'agent_reasoning_section_break', 'reasoning_raw_content_delta', 'agent_reasoning_raw_content',
  'agent_reasoning_raw_content_delta', 'exec_approval_request', 'apply_patch_approval_request', 'background_event',
  'plan_update', 'get_history_entry_response', 'turn_context', 'shutdown_complete', 'session_meta', 'entered_review_mode',
]);

// ---------------------------------------------------------------------------------------------
// What we send.

export const initializeParams = () => ({ protocolVersion: PROTOCOL_VERSION, capabilities: { elicitation: {} }, clientInfo: clientInfo(CLIENT_NAME) });

/** The first turn: the seed's `codex` tool call. */
export function codexCall(r: TaskRequest, prompt: string, approvalPolicy: ApprovalPolicy): { name: string; arguments: Record<string, unknown> } {
  const args: Record<string, unknown> = { prompt, cwd: r.cwd, 'approval-policy': approvalPolicy, sandbox: r.sandbox };
  if (r.model) {
    args.model = r.model;
  }
  if (r.config) {
    args.config = r.config;
  }
  return { name: 'codex', arguments: args };
}

/** A follow-up on the session this process holds (older versions call the thread a conversation). */
export const codexReplyCall = (threadId: string, prompt: string) => ({ name: 'codex-reply', arguments: { threadId, conversationId: threadId, prompt } });

export const cancelParams = (requestId: number, reason: string) => ({ requestId, reason });

/** Decisions in Codex's own shape: the standard MCP `{action:"accept"}` fails to parse (codex mcp-server). */
export function approvalAnswer(d: ApprovalDecision): unknown {
  switch (d) {
    case 'accept':
      return { decision: 'approved' };
    case 'acceptForSession':
      return { decision: 'approved_for_session' };
    case 'decline':
      return { decision: { denied: { rejection: 'Denied in Codex Tasks (VS Code).' } } };
    case 'cancel':
      return { decision: 'abort' };
  }
}

// ---------------------------------------------------------------------------------------------
// What we read.

export const EventParams = shape({ msg: shape({ type: str }) });
export type EventMsg = Record<string, unknown> & { type: string };
const Elicitation = shape({
  codex_elicitation: opt(str),
  codex_call_id: opt(str),
  codex_command: opt(arrayOf(str)),
  codex_cwd: opt(str),
  codex_reason: opt(nullable(str)),
  codex_changes: opt(recordOf(shape({ type: opt(str) }))),
  message: opt(str),
});
export const ToolResult = shape({
  isError: opt(bool),
  content: opt(arrayOf(shape({ type: str, text: opt(str) }))),
  structuredContent: opt(shape({ threadId: opt(str), content: opt(str) })),
});

/** The text a tools/call result carries (the final message, or the error). */
export function resultText(r: GuardType<typeof ToolResult>): string {
  return r.structuredContent?.content ?? r.content?.map((c) => c.text ?? '').join('') ?? '';
}

/** `["/bin/bash","-lc","echo hi"]` → `/bin/bash -lc 'echo hi'`, as app-server and exec show it. */
export function commandText(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
}

function durationMs(d: unknown): number | undefined {
  if (d && typeof d === 'object' && 'secs' in d) {
    const { secs, nanos } = d as { secs: number; nanos?: number };
    return secs * 1000 + Math.round((nanos ?? 0) / 1e6);
  }
  return typeof d === 'number' ? d : undefined;
}

const changesOf = (c: unknown): FileChangeEntry[] => Object.entries((c ?? {}) as Record<string, { type?: string }>).map(([p, v]) => ({ path: p, kind: v.type ?? 'update' }));

export function approvalRequest(requestId: string, params: unknown): EventBody {
  const d: Partial<GuardType<typeof Elicitation>> = Elicitation(params) ? params : {};
  if (d.codex_elicitation === 'patch-approval') {
    return { type: 'approvalRequest', requestId, kind: 'patch', itemId: d.codex_call_id, changes: changesOf(d.codex_changes), reason: d.codex_reason ?? undefined };
  }
  return { type: 'approvalRequest', requestId, kind: 'command', itemId: d.codex_call_id, command: d.codex_command ? commandText(d.codex_command) : d.message, cwd: d.codex_cwd, reason: d.codex_reason ?? undefined };
}

/** A string field of an event, or undefined. */
export const field = (msg: EventMsg, k: string): string | undefined => (typeof msg[k] === 'string' ? (msg[k] as string) : undefined);

/** The thread a `session_configured` event names (older versions call it the session), and its model. */
export const sessionOf = (msg: EventMsg): { threadId?: string; model?: string } => ({ threadId: field(msg, 'thread_id') ?? field(msg, 'session_id'), model: field(msg, 'model') });

/** The turn a task_started or task_complete event names. */
export const turnIdOf = (msg: EventMsg): string | undefined => field(msg, 'turn_id');

/** A reasoning or message delta: its text, and the item it belongs to (newer events only). */
export const deltaOf = (msg: EventMsg): { itemId?: string; text: string } => ({ itemId: field(msg, 'item_id'), text: field(msg, 'delta') ?? '' });

/**
 * The events that map one to one onto a normalized event (the session handles the others: the
 * session, the turn, the two generations of deltas). Undefined for those, and for events we do not
 * show (`QUIET`); `null` for a token count that carries only rate limits.
 */
export function plainEvent(msg: EventMsg): EventBody | null | undefined {
  switch (msg.type) {
    case 'agent_reasoning':
      return { type: 'reasoning', text: field(msg, 'text') ?? '', delta: false };
    case 'agent_message':
      return { type: 'agentMessage', text: field(msg, 'message') ?? '', delta: false };
    case 'exec_command_begin':
      return { type: 'commandBegin', itemId: field(msg, 'call_id') ?? '', command: commandText(argvOf(msg)), cwd: field(msg, 'cwd')?.replace(/^file:\/\//, '') };
    case 'exec_command_output_delta':
      // Output chunks are base64.
      return { type: 'commandOutput', itemId: field(msg, 'call_id') ?? '', chunk: Buffer.from(field(msg, 'chunk') ?? '', 'base64').toString('utf8') };
    case 'exec_command_end': {
      const code = typeof msg.exit_code === 'number' ? msg.exit_code : null;
      return {
        type: 'commandEnd',
        itemId: field(msg, 'call_id') ?? '',
        command: commandText(argvOf(msg)),
        exitCode: code,
        durationMs: durationMs(msg.duration),
        output: field(msg, 'aggregated_output') ?? field(msg, 'formatted_output'),
        status: commandEndStatus(field(msg, 'status'), code),
      };
    }
    case 'patch_apply_begin':
      return { type: 'fileChange', itemId: field(msg, 'call_id') ?? '', changes: changesOf(msg.changes), status: 'started' };
    case 'patch_apply_end': {
      const st = field(msg, 'status');
      return { type: 'fileChange', itemId: field(msg, 'call_id') ?? '', changes: changesOf(msg.changes), status: st === 'declined' ? 'declined' : msg.success === false ? 'failed' : 'completed' };
    }
    case 'turn_diff':
      return { type: 'diff', diff: field(msg, 'unified_diff') ?? '' };
    case 'mcp_tool_call_begin': {
      const inv = (msg.invocation ?? {}) as { server?: string; tool?: string; arguments?: unknown };
      return { type: 'toolCallBegin', itemId: field(msg, 'call_id') ?? '', server: inv.server ?? '?', tool: inv.tool ?? '?', arguments: inv.arguments };
    }
    case 'mcp_tool_call_end': {
      const inv = (msg.invocation ?? {}) as { server?: string; tool?: string };
      const result = msg.result as { Ok?: unknown; Err?: unknown } | undefined;
      return {
        type: 'toolCallEnd',
        itemId: field(msg, 'call_id') ?? '',
        server: inv.server ?? '?',
        tool: inv.tool ?? '?',
        durationMs: durationMs(msg.duration),
        result: result?.Ok,
        error: result?.Err !== undefined ? (typeof result.Err === 'string' ? result.Err : JSON.stringify(result.Err)) : undefined,
      };
    }
    case 'token_count': {
      const info = msg.info as { total_token_usage?: unknown; last_token_usage?: unknown; model_context_window?: number } | null;
      const total = info?.total_token_usage;
      if (!SnakeUsage(total)) {
        return null;
      }
      const last = info?.last_token_usage;
      return { type: 'tokenUsage', total: snakeUsage(total), last: SnakeUsage(last) ? snakeUsage(last) : undefined, contextWindow: info?.model_context_window ?? undefined };
    }
    case 'stream_error':
      return { type: 'error', message: field(msg, 'message') ?? 'stream error', kind: errorKind(msg.codex_error_info), willRetry: true };
    case 'warning':
      return { type: 'warning', message: field(msg, 'message') ?? '' };
    default:
      return undefined;
  }
}

/** A final (not retried) `error` event. */
export function errorEvent(msg: EventMsg): EventBody {
  return { type: 'error', message: field(msg, 'message') ?? 'error', kind: errorKind(msg.codex_error_info), willRetry: false };
}

const argvOf = (msg: EventMsg): string[] => (Array.isArray(msg.command) ? (msg.command as string[]) : []);
