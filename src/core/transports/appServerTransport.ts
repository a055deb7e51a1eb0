import type { ProcessSpec } from '../process/codexProcess';
import { anything, arrayOf, bool, type GuardType, nullable, num, oneOf, opt, shape, str } from './guards';
import type { ApprovalDecision, EventBody, FileChangeEntry, TokenCounts } from '../model/events';
import { classify, RpcClient } from './jsonRpc';
import { clip, codexSpec, parseJsonObject, type Transport, type TransportContext, type TransportIO, type TurnInput } from './transport';

/**
 * `codex app-server` (Codex ≥ 0.154): JSON-RPC over stdio JSONL, no `jsonrpc` field on its output,
 * server→client request ids from 0. One process per turn: initialize → thread/start (or thread/resume
 * for a follow-up) → turn/start; when the turn completes we close stdin and it exits 0, which also
 * ends any command still running (turn/interrupt alone does not: shared/codex-protocol §2).
 */

export const CLIENT_INFO = { name: 'codex_tasks_vscode', title: 'Codex Tasks (VS Code)', version: '0.1.0' } as const;

const Counts = shape({
  totalTokens: num,
  inputTokens: num,
  cachedInputTokens: opt(num),
  outputTokens: num,
  reasoningOutputTokens: opt(num),
});
const TokenUsageParams = shape({
  tokenUsage: shape({ total: Counts, last: opt(Counts), modelContextWindow: opt(nullable(num)) }),
});
const Item = shape({ id: str, type: str });
const ItemParams = shape({ item: Item, turnId: opt(str) });
const DeltaParams = shape({ itemId: str, delta: str });
const TurnParams = shape({
  turn: shape({ id: str, status: opt(str), error: opt(nullable(shape({ message: str }))) }),
});
const ErrorParams = shape({
  error: shape({ message: str, codexErrorInfo: opt(anything) }),
  willRetry: opt(bool),
});
const CommandItem = shape({
  id: str,
  command: str,
  cwd: opt(str),
  status: opt(str),
  aggregatedOutput: opt(nullable(str)),
  exitCode: opt(nullable(num)),
  durationMs: opt(nullable(num)),
});
const FileChangeItem = shape({
  id: str,
  status: opt(str),
  changes: arrayOf(shape({ path: str, kind: oneOf(str, shape({ type: str })), diff: opt(str) })),
});
const ToolItem = shape({
  id: str,
  server: str,
  tool: str,
  status: opt(str),
  arguments: opt(anything),
  result: opt(anything),
  error: opt(nullable(shape({ message: str }))),
  durationMs: opt(nullable(num)),
});
const CommandApproval = shape({ itemId: opt(str), command: opt(str), cwd: opt(str), reason: opt(nullable(str)) });
const PatchApproval = shape({ itemId: opt(str), reason: opt(nullable(str)) });
const DiffParams = shape({ diff: str });
const MessageParams = shape({ message: str });
const ReasoningItem = shape({ summary: opt(arrayOf(anything)) });
const MessageText = shape({ text: str });
const ResolvedParams = shape({ requestId: oneOf(num, str) });

function counts(c: GuardType<typeof Counts>): TokenCounts {
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
      const d: Partial<GuardType<typeof CommandApproval>> = CommandApproval(params) ? params : {};
      emit({ type: 'approvalRequest', requestId, kind: 'command', itemId: d.itemId, command: d.command, cwd: d.cwd, reason: d.reason ?? undefined });
      return;
    }
    if (method === 'item/fileChange/requestApproval') {
      const d: Partial<GuardType<typeof PatchApproval>> = PatchApproval(params) ? params : {};
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
        const p = params;
        if (!TurnParams(p)) {
          return bad();
        }
        this.turnId = p.turn.id;
        this.turnOpen = true;
        this.openMessages.clear();
        this.replay = undefined;
        emit({ type: 'turnStarted', turnId: p.turn.id });
        return;
      }
      case 'turn/completed': {
        const p = params;
        if (!TurnParams(p)) {
          return bad();
        }
        const st = p.turn.status;
        this.turnOpen = false;
        emit({ type: 'turnEnd', turnId: p.turn.id, status: st === 'completed' ? 'completed' : st === 'interrupted' ? 'interrupted' : 'failed', error: p.turn.error?.message });
        // One process per turn: EOF ends app-server cleanly (and any command still running).
        this.io?.endStdin();
        return;
      }
      case 'item/started':
      case 'item/completed':
        return this.onItem(method === 'item/completed', params, line, emit);
      case 'item/agentMessage/delta': {
        const p = params;
        if (!DeltaParams(p)) {
          return bad();
        }
        const shown = this.dedupe(p.itemId, p.delta);
        if (shown) {
          emit({ type: 'agentMessage', itemId: p.itemId, text: shown, delta: true });
        }
        return;
      }
      case 'item/reasoning/summaryTextDelta': {
        const p = params;
        if (!DeltaParams(p)) {
          return bad();
        }
        emit({ type: 'reasoning', itemId: p.itemId, text: p.delta, delta: true });
        return;
      }
      case 'item/commandExecution/outputDelta': {
        const p = params;
        if (!DeltaParams(p)) {
          return bad();
        }
        emit({ type: 'commandOutput', itemId: p.itemId, chunk: p.delta });
        return;
      }
      case 'turn/diff/updated': {
        const p = params;
        if (!DiffParams(p)) {
          return bad();
        }
        emit({ type: 'diff', diff: p.diff });
        return;
      }
      case 'thread/tokenUsage/updated': {
        const p = params;
        if (!TokenUsageParams(p)) {
          return bad();
        }
        const u = p.tokenUsage;
        emit({ type: 'tokenUsage', total: counts(u.total), last: u.last ? counts(u.last) : undefined, contextWindow: u.modelContextWindow ?? undefined });
        return;
      }
      case 'error': {
        const p = params;
        if (!ErrorParams(p)) {
          return bad();
        }
        emit({ type: 'error', message: p.error.message, kind: errorKind(p.error.codexErrorInfo), willRetry: p.willRetry ?? false });
        return;
      }
      case 'serverRequest/resolved': {
        const p = params;
        if (!ResolvedParams(p)) {
          return bad();
        }
        emit({ type: 'approvalResolved', requestId: String(p.requestId) });
        return;
      }
      case 'warning': {
        emit({ type: 'warning', message: MessageParams(params) ? params.message : clip(line, 300) });
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
    const p = params;
    if (!ItemParams(p)) {
      emit({ type: 'unknown', raw: clip(line), reason: 'malformed item notification' });
      return;
    }
    const item = p.item;
    const bad = () => emit({ type: 'unknown', raw: clip(line), reason: `malformed ${item.type} item` });
    switch (item.type) {
      case 'userMessage':
      case 'contextCompaction':
        return;
      case 'reasoning': {
        if (done) {
          const text = (ReasoningItem(item) ? (item.summary ?? []) : []).map((s) => (typeof s === 'string' ? s : ((s as { text?: string }).text ?? ''))).join('\n');
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
        const t = item;
        if (!MessageText(t)) {
          return bad();
        }
        this.openMessages.delete(item.id);
        this.replay = undefined;
        emit({ type: 'agentMessage', itemId: item.id, text: t.text, delta: false });
        return;
      }
      case 'commandExecution': {
        const c = item;
        if (!CommandItem(c)) {
          return bad();
        }
        if (!done) {
          emit({ type: 'commandBegin', itemId: c.id, command: c.command, cwd: c.cwd });
          return;
        }
        const st = c.status;
        emit({
          type: 'commandEnd',
          itemId: c.id,
          command: c.command,
          exitCode: c.exitCode ?? null,
          durationMs: c.durationMs ?? undefined,
          // aggregatedOutput is authoritative: deltas can be missing (§2 shell race).
          output: c.aggregatedOutput ?? undefined,
          status: st === 'declined' ? 'declined' : st === 'failed' || (c.exitCode ?? 0) !== 0 ? 'failed' : 'completed',
        });
        return;
      }
      case 'fileChange': {
        const f = item;
        if (!FileChangeItem(f)) {
          return bad();
        }
        const changes = f.changes.map((ch) => ({ path: ch.path, kind: fileKind(ch.kind), diff: ch.diff }));
        this.fileChanges.set(f.id, changes);
        const st = f.status;
        emit({ type: 'fileChange', itemId: f.id, changes, status: !done ? 'started' : st === 'declined' ? 'declined' : st === 'failed' ? 'failed' : 'completed' });
        return;
      }
      case 'mcpToolCall': {
        const m = item;
        if (!ToolItem(m)) {
          return bad();
        }
        if (!done) {
          emit({ type: 'toolCallBegin', itemId: m.id, server: m.server, tool: m.tool, arguments: m.arguments });
        } else {
          emit({ type: 'toolCallEnd', itemId: m.id, server: m.server, tool: m.tool, durationMs: m.durationMs ?? undefined, result: m.result, error: m.error?.message });
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
