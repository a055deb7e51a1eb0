import * as z from 'zod/mini';
import type { ProcessSpec } from '../codexProcess';
import type { ApprovalDecision, EventBody, FileChangeEntry, TokenCounts } from '../events';
import { classify, RpcClient } from './jsonRpc';
import { clip, codexSpec, parseJsonObject, type Transport, type TransportContext, type TransportIO, type TurnInput } from './transport';

/**
 * `codex app-server` (Codex ≥ 0.154): JSON-RPC over stdio JSONL, no `jsonrpc` field on its output,
 * server→client request ids from 0. One process per turn: initialize → thread/start (or thread/resume
 * for a follow-up) → turn/start; when the turn completes we close stdin and it exits 0, which also
 * ends any command still running (turn/interrupt alone does not: shared/codex-protocol §2).
 */

export const CLIENT_INFO = { name: 'codex_tasks_vscode', title: 'Codex Tasks (VS Code)', version: '0.1.0' } as const;

const Counts = z.looseObject({
  totalTokens: z.number(),
  inputTokens: z.number(),
  cachedInputTokens: z.optional(z.number()),
  outputTokens: z.number(),
  reasoningOutputTokens: z.optional(z.number()),
});
const TokenUsageParams = z.looseObject({
  tokenUsage: z.looseObject({ total: Counts, last: z.optional(Counts), modelContextWindow: z.optional(z.nullable(z.number())) }),
});
const Item = z.looseObject({ id: z.string(), type: z.string() });
const ItemParams = z.looseObject({ item: Item, turnId: z.optional(z.string()) });
const DeltaParams = z.looseObject({ itemId: z.string(), delta: z.string() });
const TurnParams = z.looseObject({
  turn: z.looseObject({ id: z.string(), status: z.optional(z.string()), error: z.optional(z.nullable(z.looseObject({ message: z.string() }))) }),
});
const ErrorParams = z.looseObject({
  error: z.looseObject({ message: z.string(), codexErrorInfo: z.optional(z.unknown()) }),
  willRetry: z.optional(z.boolean()),
});
const CommandItem = z.looseObject({
  id: z.string(),
  command: z.string(),
  cwd: z.optional(z.string()),
  status: z.optional(z.string()),
  aggregatedOutput: z.optional(z.nullable(z.string())),
  exitCode: z.optional(z.nullable(z.number())),
  durationMs: z.optional(z.nullable(z.number())),
});
const FileChangeItem = z.looseObject({
  id: z.string(),
  status: z.optional(z.string()),
  changes: z.array(z.looseObject({ path: z.string(), kind: z.union([z.string(), z.looseObject({ type: z.string() })]), diff: z.optional(z.string()) })),
});
const ToolItem = z.looseObject({
  id: z.string(),
  server: z.string(),
  tool: z.string(),
  status: z.optional(z.string()),
  arguments: z.optional(z.unknown()),
  result: z.optional(z.unknown()),
  error: z.optional(z.nullable(z.looseObject({ message: z.string() }))),
  durationMs: z.optional(z.nullable(z.number())),
});
const CommandApproval = z.looseObject({ itemId: z.optional(z.string()), command: z.optional(z.string()), cwd: z.optional(z.string()), reason: z.optional(z.nullable(z.string())) });
const PatchApproval = z.looseObject({ itemId: z.optional(z.string()), reason: z.optional(z.nullable(z.string())) });
const ResolvedParams = z.looseObject({ requestId: z.union([z.number(), z.string()]) });

function counts(c: z.infer<typeof Counts>): TokenCounts {
  return { input: c.inputTokens, cachedInput: c.cachedInputTokens ?? 0, output: c.outputTokens, reasoningOutput: c.reasoningOutputTokens ?? 0, total: c.totalTokens };
}

/** codexErrorInfo is a string (`"internalServerError"`) or a one-key object (`{httpConnectionFailed:{…}}`). */
export function errorKind(info: unknown): string | undefined {
  if (typeof info === 'string') {
    return info;
  }
  if (info && typeof info === 'object') {
    const k = Object.keys(info)[0];
    const v = (info as Record<string, { httpStatusCode?: number | null }>)[k];
    return v && typeof v === 'object' && v.httpStatusCode ? `${k} (HTTP ${v.httpStatusCode})` : k;
  }
  return undefined;
}

/** Notifications we know and deliberately do not show (they stay in the raw log). */
const QUIET = new Set([
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

const fileKind = (k: string | { type: string }) => (typeof k === 'string' ? k : k.type);

export class AppServerTransport implements Transport {
  readonly kind = 'app-server' as const;
  private rpc: RpcClient | undefined;
  private io: TransportIO | undefined;
  private input: TurnInput | undefined;
  private threadId: string | undefined;
  private turnId: string | undefined;
  private turnOpen = false;
  /** Files of fileChange items, for the patch approval that refers to them by item id. */
  private readonly fileChanges = new Map<string, FileChangeEntry[]>();
  /** Agent messages started but not completed in this turn, with the text shown so far. */
  private readonly openMessages = new Map<string, string>();
  /** Text of a message cut mid-stream, which Codex re-sends under a new item id (§2 errors). */
  private replay: { text: string; pos: number } | undefined;

  constructor(private readonly ctx: TransportContext) {}

  spec(): ProcessSpec {
    return codexSpec(this.ctx, ['app-server']);
  }

  attach(io: TransportIO, input: TurnInput, emit: (e: EventBody) => void): void {
    this.io = io;
    this.input = input;
    // A follow-up is a new process: nothing of the last turn carries over.
    this.turnId = undefined;
    this.turnOpen = false;
    this.openMessages.clear();
    this.replay = undefined;
    this.rpc = new RpcClient((line) => io.write(line));
    this.rpc.request('initialize', { clientInfo: CLIENT_INFO });
    if (input.threadId) {
      this.threadId = input.threadId;
      emit({ type: 'sessionStarted', threadId: input.threadId });
    }
  }

  gracefulStop(io: TransportIO): void {
    if (this.turnOpen && this.threadId && this.turnId && this.rpc) {
      this.rpc.request('turn/interrupt', { threadId: this.threadId, turnId: this.turnId });
    }
    // stdin EOF ends app-server with code 0 and takes its running commands with it.
    setTimeout(() => io.endStdin(), this.turnOpen ? 300 : 0).unref();
  }

  /** Interrupts the running turn; the process then ends (stdin EOF) with the turn `interrupted`. */
  interrupt(_io: TransportIO): boolean {
    if (!this.turnOpen || !this.threadId || !this.turnId || !this.rpc) {
      return false;
    }
    this.rpc.request('turn/interrupt', { threadId: this.threadId, turnId: this.turnId });
    return true;
  }

  answerApproval(_io: TransportIO, requestId: string, decision: ApprovalDecision): void {
    const id = /^\d+$/.test(requestId) ? Number(requestId) : requestId;
    this.rpc?.respond(id, { decision });
  }

  onLine(line: string, emit: (e: EventBody) => void): void {
    const obj = parseJsonObject(line);
    const m = obj ? classify(obj) : 'not a JSON object';
    if (typeof m === 'string') {
      emit({ type: 'unknown', raw: clip(line), reason: m });
      return;
    }
    switch (m.kind) {
      case 'response':
        return this.onResponse(m.id, m.result, m.error, line, emit);
      case 'request':
        return this.onServerRequest(m.id, m.method, m.params, line, emit);
      case 'notification':
        return this.onNotification(m.method, m.params, line, emit);
    }
  }

  private onResponse(id: number | string, result: unknown, error: { message: string } | undefined, line: string, emit: (e: EventBody) => void): void {
    const method = this.rpc?.settle(id);
    if (error) {
      emit({ type: 'error', message: `${method ?? 'request'} failed: ${error.message}`, kind: 'protocol', willRetry: false });
      if (method !== 'turn/interrupt') {
        // Nothing more will happen in this process: end it (the reducer turns this into `failed`).
        this.io?.endStdin();
      }
      return;
    }
    const r = (result ?? {}) as Record<string, unknown>;
    switch (method) {
      case 'initialize':
        this.rpc!.notify('initialized');
        this.startThread();
        return;
      case 'thread/start':
      case 'thread/resume': {
        const thread = (r.thread ?? {}) as { id?: string };
        if (!thread.id) {
          emit({ type: 'unknown', raw: clip(line), reason: `${method} result without a thread id` });
          this.io?.endStdin();
          return;
        }
        this.threadId = thread.id;
        if (method === 'thread/start') {
          emit({ type: 'sessionStarted', threadId: thread.id, model: typeof r.model === 'string' ? r.model : undefined });
        }
        this.rpc!.request('turn/start', { threadId: thread.id, input: [{ type: 'text', text: this.input!.prompt, text_elements: [] }] });
        return;
      }
      case 'turn/start': {
        const turn = (r.turn ?? {}) as { id?: string };
        if (turn.id && !this.turnId) {
          this.turnId = turn.id;
        }
        return;
      }
      default:
        return;
    }
  }

  private startThread(): void {
    const r = this.ctx.request;
    if (this.input?.threadId) {
      this.rpc!.request('thread/resume', { threadId: this.input.threadId });
      return;
    }
    const params: Record<string, unknown> = { cwd: r.cwd, approvalPolicy: this.ctx.effectivePolicy, sandbox: r.sandbox };
    if (r.model) {
      params.model = r.model;
    }
    if (r.config) {
      params.config = r.config;
    }
    this.rpc!.request('thread/start', params);
  }

  private onServerRequest(id: number | string, method: string, params: unknown, line: string, emit: (e: EventBody) => void): void {
    const requestId = String(id);
    if (method === 'item/commandExecution/requestApproval') {
      const p = CommandApproval.safeParse(params);
      const d = p.success ? p.data : {};
      emit({ type: 'approvalRequest', requestId, kind: 'command', itemId: d.itemId, command: d.command, cwd: d.cwd, reason: d.reason ?? undefined });
      return;
    }
    if (method === 'item/fileChange/requestApproval') {
      const p = PatchApproval.safeParse(params);
      const d = p.success ? p.data : {};
      emit({ type: 'approvalRequest', requestId, kind: 'patch', itemId: d.itemId, reason: d.reason ?? undefined, changes: d.itemId ? this.fileChanges.get(d.itemId) : undefined });
      return;
    }
    // A request we cannot answer: say so, so that codex does not wait for us forever.
    this.rpc?.respondError(id, -32601, `Codex Tasks does not support ${method}`);
    emit({ type: 'unknown', raw: clip(line), reason: `server request ${method} is not supported; answered with an error` });
  }

  private onNotification(method: string, params: unknown, line: string, emit: (e: EventBody) => void): void {
    const bad = () => emit({ type: 'unknown', raw: clip(line), reason: `malformed ${method}` });
    switch (method) {
      case 'turn/started': {
        const p = TurnParams.safeParse(params);
        if (!p.success) {
          return bad();
        }
        this.turnId = p.data.turn.id;
        this.turnOpen = true;
        this.openMessages.clear();
        this.replay = undefined;
        emit({ type: 'turnStarted', turnId: p.data.turn.id });
        return;
      }
      case 'turn/completed': {
        const p = TurnParams.safeParse(params);
        if (!p.success) {
          return bad();
        }
        const st = p.data.turn.status;
        this.turnOpen = false;
        emit({ type: 'turnEnd', turnId: p.data.turn.id, status: st === 'completed' ? 'completed' : st === 'interrupted' ? 'interrupted' : 'failed', error: p.data.turn.error?.message });
        // One process per turn: EOF ends app-server cleanly (and any command still running).
        this.io?.endStdin();
        return;
      }
      case 'item/started':
      case 'item/completed':
        return this.onItem(method === 'item/completed', params, line, emit);
      case 'item/agentMessage/delta': {
        const p = DeltaParams.safeParse(params);
        if (!p.success) {
          return bad();
        }
        const shown = this.dedupe(p.data.itemId, p.data.delta);
        if (shown) {
          emit({ type: 'agentMessage', itemId: p.data.itemId, text: shown, delta: true });
        }
        return;
      }
      case 'item/reasoning/summaryTextDelta': {
        const p = DeltaParams.safeParse(params);
        if (!p.success) {
          return bad();
        }
        emit({ type: 'reasoning', itemId: p.data.itemId, text: p.data.delta, delta: true });
        return;
      }
      case 'item/commandExecution/outputDelta': {
        const p = DeltaParams.safeParse(params);
        if (!p.success) {
          return bad();
        }
        emit({ type: 'commandOutput', itemId: p.data.itemId, chunk: p.data.delta });
        return;
      }
      case 'turn/diff/updated': {
        const p = z.looseObject({ diff: z.string() }).safeParse(params);
        if (!p.success) {
          return bad();
        }
        emit({ type: 'diff', diff: p.data.diff });
        return;
      }
      case 'thread/tokenUsage/updated': {
        const p = TokenUsageParams.safeParse(params);
        if (!p.success) {
          return bad();
        }
        const u = p.data.tokenUsage;
        emit({ type: 'tokenUsage', total: counts(u.total), last: u.last ? counts(u.last) : undefined, contextWindow: u.modelContextWindow ?? undefined });
        return;
      }
      case 'error': {
        const p = ErrorParams.safeParse(params);
        if (!p.success) {
          return bad();
        }
        emit({ type: 'error', message: p.data.error.message, kind: errorKind(p.data.error.codexErrorInfo), willRetry: p.data.willRetry ?? false });
        return;
      }
      case 'serverRequest/resolved': {
        const p = ResolvedParams.safeParse(params);
        if (!p.success) {
          return bad();
        }
        emit({ type: 'approvalResolved', requestId: String(p.data.requestId) });
        return;
      }
      case 'warning': {
        const p = z.looseObject({ message: z.string() }).safeParse(params);
        emit({ type: 'warning', message: p.success ? p.data.message : clip(line, 300) });
        return;
      }
      default:
        if (!QUIET.has(method)) {
          emit({ type: 'unknown', raw: clip(line), reason: `notification ${method} is not shown` });
        }
    }
  }

  /**
   * A stream cut mid-answer makes Codex re-send the agent message under a new item id, without an
   * item/completed for the first one: the repeated prefix is not shown again.
   */
  private dedupe(itemId: string, delta: string): string {
    if (!this.openMessages.has(itemId)) {
      // A new message while another never completed: that one was cut, and this one repeats it.
      const cut = [...this.openMessages.values()].pop();
      if (cut) {
        this.replay = { text: cut, pos: 0 };
      }
      this.openMessages.clear();
      this.openMessages.set(itemId, '');
    }
    this.openMessages.set(itemId, this.openMessages.get(itemId)! + delta);
    const r = this.replay;
    if (!r) {
      return delta;
    }
    const expected = r.text.slice(r.pos, r.pos + delta.length);
    if (expected === delta) {
      r.pos += delta.length;
      if (r.pos >= r.text.length) {
        this.replay = undefined;
      }
      return '';
    }
    // It diverged: show from where it differs.
    let i = 0;
    while (i < delta.length && i < expected.length && delta[i] === expected[i]) {
      i++;
    }
    this.replay = undefined;
    return delta.slice(i);
  }

  private onItem(done: boolean, params: unknown, line: string, emit: (e: EventBody) => void): void {
    const p = ItemParams.safeParse(params);
    if (!p.success) {
      emit({ type: 'unknown', raw: clip(line), reason: 'malformed item notification' });
      return;
    }
    const item = p.data.item;
    const bad = () => emit({ type: 'unknown', raw: clip(line), reason: `malformed ${item.type} item` });
    switch (item.type) {
      case 'userMessage':
      case 'contextCompaction':
        return;
      case 'reasoning': {
        if (done) {
          const summary = z.looseObject({ summary: z.optional(z.array(z.unknown())) }).safeParse(item);
          const text = (summary.success ? (summary.data.summary ?? []) : []).map((s) => (typeof s === 'string' ? s : ((s as { text?: string }).text ?? ''))).join('\n');
          if (text) {
            emit({ type: 'reasoning', itemId: item.id, text, delta: false });
          }
        }
        return;
      }
      case 'agentMessage': {
        if (!done) {
          if (!this.openMessages.has(item.id)) {
            this.dedupe(item.id, '');
          }
          return;
        }
        const t = z.looseObject({ text: z.string() }).safeParse(item);
        if (!t.success) {
          return bad();
        }
        this.openMessages.delete(item.id);
        this.replay = undefined;
        emit({ type: 'agentMessage', itemId: item.id, text: t.data.text, delta: false });
        return;
      }
      case 'commandExecution': {
        const c = CommandItem.safeParse(item);
        if (!c.success) {
          return bad();
        }
        if (!done) {
          emit({ type: 'commandBegin', itemId: c.data.id, command: c.data.command, cwd: c.data.cwd });
          return;
        }
        const st = c.data.status;
        emit({
          type: 'commandEnd',
          itemId: c.data.id,
          command: c.data.command,
          exitCode: c.data.exitCode ?? null,
          durationMs: c.data.durationMs ?? undefined,
          // aggregatedOutput is authoritative: deltas can be missing (§2 shell race).
          output: c.data.aggregatedOutput ?? undefined,
          status: st === 'declined' ? 'declined' : st === 'failed' || (c.data.exitCode ?? 0) !== 0 ? 'failed' : 'completed',
        });
        return;
      }
      case 'fileChange': {
        const f = FileChangeItem.safeParse(item);
        if (!f.success) {
          return bad();
        }
        const changes = f.data.changes.map((ch) => ({ path: ch.path, kind: fileKind(ch.kind), diff: ch.diff }));
        this.fileChanges.set(f.data.id, changes);
        const st = f.data.status;
        emit({ type: 'fileChange', itemId: f.data.id, changes, status: !done ? 'started' : st === 'declined' ? 'declined' : st === 'failed' ? 'failed' : 'completed' });
        return;
      }
      case 'mcpToolCall': {
        const m = ToolItem.safeParse(item);
        if (!m.success) {
          return bad();
        }
        if (!done) {
          emit({ type: 'toolCallBegin', itemId: m.data.id, server: m.data.server, tool: m.data.tool, arguments: m.data.arguments });
        } else {
          emit({ type: 'toolCallEnd', itemId: m.data.id, server: m.data.server, tool: m.data.tool, durationMs: m.data.durationMs ?? undefined, result: m.data.result, error: m.data.error?.message });
        }
        return;
      }
      default:
        if (done) {
          emit({ type: 'unknown', raw: clip(line), reason: `item type "${item.type}" is not shown` });
        }
    }
  }
}
