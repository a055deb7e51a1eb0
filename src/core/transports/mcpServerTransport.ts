import type { ProcessSpec } from '../process/codexProcess';
import { arrayOf, bool, type GuardType, nullable, num, opt, recordOf, shape, str } from './guards';
import type { ApprovalDecision, EventBody, FileChangeEntry, TokenCounts } from '../model/events';
import { classify, RpcClient } from './jsonRpc';
import { errorKind } from './appServerTransport';
import { clip, codexSpec, parseJsonObject, type Transport, type TransportContext, type TransportIO, type TurnInput } from './transport';

/**
 * `codex mcp-server` (Codex ≤ 0.153.x), the seed's transport: MCP over stdio. initialize →
 * notifications/initialized → tools/call `codex` with the seed's arguments; progress arrives as
 * `codex/event` notifications, approvals as `elicitation/create` requests answered in Codex's own
 * shape (shared/codex-protocol §4). Follow-ups are `codex-reply` calls.
 */

const PROTOCOL_VERSION = '2025-06-18';

const Usage = shape({
  input_tokens: num,
  cached_input_tokens: opt(num),
  output_tokens: num,
  reasoning_output_tokens: opt(num),
  total_tokens: opt(num),
});
const EventParams = shape({ msg: shape({ type: str }) });
const Elicitation = shape({
  codex_elicitation: opt(str),
  codex_call_id: opt(str),
  codex_command: opt(arrayOf(str)),
  codex_cwd: opt(str),
  codex_reason: opt(nullable(str)),
  codex_changes: opt(recordOf(shape({ type: opt(str) }))),
  message: opt(str),
});
const ToolResult = shape({
  isError: opt(bool),
  content: opt(arrayOf(shape({ type: str, text: opt(str) }))),
  structuredContent: opt(shape({ threadId: opt(str), content: opt(str) })),
});

function usage(u: GuardType<typeof Usage>): TokenCounts {
  return {
    input: u.input_tokens,
    cachedInput: u.cached_input_tokens ?? 0,
    output: u.output_tokens,
    reasoningOutput: u.reasoning_output_tokens ?? 0,
    total: u.total_tokens ?? u.input_tokens + u.output_tokens,
  };
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

const changesOf = (c: Record<string, { type?: string }> | undefined): FileChangeEntry[] => Object.entries(c ?? {}).map(([p, v]) => ({ path: p, kind: v.type ?? 'update' }));

/** Decisions in Codex's own shape: the standard MCP `{action:"accept"}` fails to parse (codex mcp-server). */
export function mcpDecision(d: ApprovalDecision): unknown {
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

/** codex/event types we know and deliberately do not show (they stay in the raw log). */
const QUIET = new Set([
  'mcp_startup_complete', 'mcp_startup_update', 'raw_response_item', 'raw_response_completed', 'item_started', 'item_completed',
  'user_message', 'agent_reasoning_section_break', 'reasoning_raw_content_delta', 'agent_reasoning_raw_content',
  'agent_reasoning_raw_content_delta', 'exec_approval_request', 'apply_patch_approval_request', 'background_event',
  'plan_update', 'get_history_entry_response', 'turn_context', 'shutdown_complete', 'session_meta', 'entered_review_mode',
]);

export class McpServerTransport implements Transport {
  readonly kind = 'mcp-server' as const;
  private rpc: RpcClient | undefined;
  private io: TransportIO | undefined;
  private input: TurnInput | undefined;
  private callId: number | undefined;
  private turnOpen = false;
  private turnEnded = false;
  /** A final error was already reported for this turn (the isError result must not replace it). */
  private failed = false;
  private threadId: string | undefined;
  /** Newer event names (content deltas) win over the older ones, so nothing is shown twice. */
  private sawContentDelta = false;
  private sawReasoningContentDelta = false;

  constructor(private readonly ctx: TransportContext) {}

  spec(): ProcessSpec {
    return codexSpec(this.ctx, ['mcp-server']);
  }

  attach(io: TransportIO, input: TurnInput, emit: (e: EventBody) => void): void {
    this.io = io;
    this.input = input;
    this.resetTurn();
    this.rpc = new RpcClient((line) => io.write(line), true);
    this.rpc.request('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: { elicitation: {} },
      clientInfo: { name: 'codex-tasks-vscode', title: 'Codex Tasks (VS Code)', version: '0.1.0' },
    });
    if (input.threadId) {
      this.threadId = input.threadId;
      emit({ type: 'sessionStarted', threadId: input.threadId });
    }
  }

  private resetTurn(): void {
    this.callId = undefined;
    this.turnOpen = false;
    this.turnEnded = false;
    this.failed = false;
  }

  continueInProcess(_io: TransportIO, input: TurnInput, _emit: (e: EventBody) => void): void {
    this.input = input;
    this.resetTurn();
    this.call();
  }

  gracefulStop(io: TransportIO): void {
    if (this.callId !== undefined && this.turnOpen) {
      // Stops the work but never answers the tools/call (codex#20925): our own kill ends the task.
      this.rpc?.notify('notifications/cancelled', { requestId: this.callId, reason: 'Stopped in Codex Tasks' });
    }
    // stdin EOF alone waits for a running command (§4 lifecycle), so the tree kill that follows matters.
    setTimeout(() => io.endStdin(), 200).unref();
  }

  interrupt(_io: TransportIO): boolean {
    if (this.callId === undefined || !this.turnOpen) {
      return false;
    }
    this.rpc?.notify('notifications/cancelled', { requestId: this.callId, reason: 'Interrupted in Codex Tasks' });
    return true;
  }

  answerApproval(_io: TransportIO, requestId: string, decision: ApprovalDecision): void {
    const id = /^\d+$/.test(requestId) ? Number(requestId) : requestId;
    this.rpc?.respond(id, mcpDecision(decision));
  }

  onLine(line: string, emit: (e: EventBody) => void): void {
    const obj = parseJsonObject(line);
    const m = obj ? classify(obj) : 'not a JSON object';
    if (typeof m === 'string') {
      emit({ type: 'unknown', raw: clip(line), reason: m });
      return;
    }
    if (m.kind === 'response') {
      return this.onResponse(m.id, m.result, m.error, line, emit);
    }
    if (m.kind === 'request') {
      if (m.method === 'elicitation/create') {
        return this.onElicitation(String(m.id), m.params, emit);
      }
      this.rpc?.respondError(m.id, -32601, `Codex Tasks does not support ${m.method}`);
      emit({ type: 'unknown', raw: clip(line), reason: `server request ${m.method} is not supported; answered with an error` });
      return;
    }
    if (m.method === 'codex/event') {
      return this.onEvent(m.params, line, emit);
    }
    if (!m.method.startsWith('notifications/')) {
      emit({ type: 'unknown', raw: clip(line), reason: `notification ${m.method} is not shown` });
    }
  }

  private onResponse(id: number | string, result: unknown, error: { message: string } | undefined, line: string, emit: (e: EventBody) => void): void {
    const method = this.rpc?.settle(id);
    if (error) {
      emit({ type: 'error', message: `${method ?? 'request'} failed: ${error.message}`, kind: 'protocol', willRetry: false });
      this.endTurn('failed', emit, error.message);
      return;
    }
    if (method === 'initialize') {
      this.rpc!.notify('notifications/initialized');
      this.call();
      return;
    }
    if (method === 'tools/call') {
      const r = result;
      if (!ToolResult(r)) {
        emit({ type: 'unknown', raw: clip(line), reason: 'malformed tools/call result' });
        this.endTurn('failed', emit, 'malformed tools/call result');
        return;
      }
      const text = r.structuredContent?.content ?? r.content?.map((c) => c.text ?? '').join('') ?? '';
      if (r.isError) {
        if (!this.failed) {
          emit({ type: 'error', message: text || 'codex reported an error', willRetry: false });
        }
        this.endTurn('failed', emit, text);
      } else {
        this.endTurn('completed', emit);
      }
    }
  }

  private call(): void {
    const r = this.ctx.request;
    if (this.input?.threadId) {
      this.callId = this.rpc!.request('tools/call', { name: 'codex-reply', arguments: { threadId: this.input.threadId, conversationId: this.input.threadId, prompt: this.input.prompt } });
      return;
    }
    const args: Record<string, unknown> = { prompt: this.input!.prompt, cwd: r.cwd, 'approval-policy': this.ctx.effectivePolicy, sandbox: r.sandbox };
    if (r.model) {
      args.model = r.model;
    }
    if (r.config) {
      args.config = r.config;
    }
    this.callId = this.rpc!.request('tools/call', { name: 'codex', arguments: args });
  }

  /**
   * The turn is over (task_complete, turn_aborted, or the call's result). The session lives only in
   * this process (codex-reply in a new one answers "Session not found"), so after a completed turn
   * codex stays up, idle, for a follow-up; after a failure it is ended.
   */
  private endTurn(status: 'completed' | 'interrupted' | 'failed', emit: (e: EventBody) => void, error?: string): void {
    if (!this.turnEnded) {
      this.turnEnded = true;
      this.turnOpen = false;
      emit({ type: 'turnEnd', status, error });
    }
    if (status === 'completed') {
      emit({ type: 'sessionIdle' });
    } else {
      this.io?.endStdin();
    }
  }

  private onElicitation(requestId: string, params: unknown, emit: (e: EventBody) => void): void {
    const d: Partial<GuardType<typeof Elicitation>> = Elicitation(params) ? params : {};
    if (d.codex_elicitation === 'patch-approval') {
      emit({ type: 'approvalRequest', requestId, kind: 'patch', itemId: d.codex_call_id, changes: changesOf(d.codex_changes), reason: d.codex_reason ?? undefined });
    } else {
      emit({ type: 'approvalRequest', requestId, kind: 'command', itemId: d.codex_call_id, command: d.codex_command ? commandText(d.codex_command) : d.message, cwd: d.codex_cwd, reason: d.codex_reason ?? undefined });
    }
  }

  private onEvent(params: unknown, line: string, emit: (e: EventBody) => void): void {
    const p = params;
    if (!EventParams(p)) {
      emit({ type: 'unknown', raw: clip(line), reason: 'malformed codex/event' });
      return;
    }
    const msg = p.msg as Record<string, unknown> & { type: string };
    const field = (k: string) => (typeof msg[k] === 'string' ? (msg[k] as string) : undefined);
    switch (msg.type) {
      case 'session_configured': {
        this.threadId = field('thread_id') ?? field('session_id') ?? this.threadId;
        if (this.threadId && !this.input?.threadId) {
          emit({ type: 'sessionStarted', threadId: this.threadId, model: field('model') });
        }
        return;
      }
      case 'task_started':
        this.turnOpen = true;
        emit({ type: 'turnStarted', turnId: field('turn_id') });
        return;
      case 'agent_reasoning_delta':
        if (!this.sawReasoningContentDelta) {
          emit({ type: 'reasoning', text: field('delta') ?? '', delta: true });
        }
        return;
      case 'reasoning_content_delta':
        this.sawReasoningContentDelta = true;
        emit({ type: 'reasoning', itemId: field('item_id'), text: field('delta') ?? '', delta: true });
        return;
      case 'agent_reasoning':
        emit({ type: 'reasoning', text: field('text') ?? '', delta: false });
        return;
      case 'agent_message_delta':
        if (!this.sawContentDelta) {
          emit({ type: 'agentMessage', text: field('delta') ?? '', delta: true });
        }
        return;
      case 'agent_message_content_delta':
        this.sawContentDelta = true;
        emit({ type: 'agentMessage', itemId: field('item_id'), text: field('delta') ?? '', delta: true });
        return;
      case 'agent_message':
        emit({ type: 'agentMessage', text: field('message') ?? '', delta: false });
        return;
      case 'exec_command_begin': {
        const argv = Array.isArray(msg.command) ? (msg.command as string[]) : [];
        emit({ type: 'commandBegin', itemId: field('call_id') ?? '', command: commandText(argv), cwd: field('cwd')?.replace(/^file:\/\//, '') });
        return;
      }
      case 'exec_command_output_delta': {
        const chunk = field('chunk') ?? '';
        emit({ type: 'commandOutput', itemId: field('call_id') ?? '', chunk: Buffer.from(chunk, 'base64').toString('utf8') });
        return;
      }
      case 'exec_command_end': {
        const argv = Array.isArray(msg.command) ? (msg.command as string[]) : [];
        const code = typeof msg.exit_code === 'number' ? msg.exit_code : null;
        const st = field('status');
        emit({
          type: 'commandEnd',
          itemId: field('call_id') ?? '',
          command: commandText(argv),
          exitCode: code,
          durationMs: durationMs(msg.duration),
          output: field('aggregated_output') ?? field('formatted_output'),
          status: st === 'declined' ? 'declined' : (code ?? 0) !== 0 || st === 'failed' ? 'failed' : 'completed',
        });
        return;
      }
      case 'patch_apply_begin':
        emit({ type: 'fileChange', itemId: field('call_id') ?? '', changes: changesOf(msg.changes as Record<string, { type?: string }>), status: 'started' });
        return;
      case 'patch_apply_end': {
        const st = field('status');
        emit({
          type: 'fileChange',
          itemId: field('call_id') ?? '',
          changes: changesOf(msg.changes as Record<string, { type?: string }>),
          status: st === 'declined' ? 'declined' : msg.success === false ? 'failed' : 'completed',
        });
        return;
      }
      case 'turn_diff':
        emit({ type: 'diff', diff: field('unified_diff') ?? '' });
        return;
      case 'mcp_tool_call_begin': {
        const inv = (msg.invocation ?? {}) as { server?: string; tool?: string; arguments?: unknown };
        emit({ type: 'toolCallBegin', itemId: field('call_id') ?? '', server: inv.server ?? '?', tool: inv.tool ?? '?', arguments: inv.arguments });
        return;
      }
      case 'mcp_tool_call_end': {
        const inv = (msg.invocation ?? {}) as { server?: string; tool?: string };
        const result = msg.result as { Ok?: unknown; Err?: unknown } | undefined;
        emit({
          type: 'toolCallEnd',
          itemId: field('call_id') ?? '',
          server: inv.server ?? '?',
          tool: inv.tool ?? '?',
          durationMs: durationMs(msg.duration),
          result: result?.Ok,
          error: result?.Err !== undefined ? (typeof result.Err === 'string' ? result.Err : JSON.stringify(result.Err)) : undefined,
        });
        return;
      }
      case 'token_count': {
        const info = msg.info as { total_token_usage?: unknown; last_token_usage?: unknown; model_context_window?: number } | null;
        const total = info?.total_token_usage;
        if (!Usage(total)) {
          return; // token_count with info null carries only rate limits
        }
        const last = info?.last_token_usage;
        emit({ type: 'tokenUsage', total: usage(total), last: Usage(last) ? usage(last) : undefined, contextWindow: info?.model_context_window ?? undefined });
        return;
      }
      case 'task_complete':
        this.turnOpen = false;
        // The turn is done; the tools/call result that follows settles the process.
        if (!this.turnEnded) {
          this.turnEnded = true;
          emit({ type: 'turnEnd', turnId: field('turn_id'), status: 'completed' });
        }
        return;
      case 'turn_aborted':
        // notifications/cancelled gives turn_aborted but never a tools/call result (codex#20925).
        this.endTurn('interrupted', emit);
        return;
      case 'stream_error':
        emit({ type: 'error', message: field('message') ?? 'stream error', kind: errorKind(msg.codex_error_info), willRetry: true });
        return;
      case 'error':
        this.failed = true;
        emit({ type: 'error', message: field('message') ?? 'error', kind: errorKind(msg.codex_error_info), willRetry: false });
        return;
      case 'warning':
        emit({ type: 'warning', message: field('message') ?? '' });
        return;
      default:
        if (!QUIET.has(msg.type)) {
          emit({ type: 'unknown', raw: clip(line), reason: `codex/event "${msg.type}" is not shown` });
        }
    }
  }
}
