import type { ApprovalDecision, EventBody, FileChangeEntry } from '../model/events';
import type { ProcessSpec } from '../process/codexProcess';
import * as P from './appServerProtocol';
import { JsonRpcSession, type RpcError, type RpcHandlers } from './jsonRpc';
import { clip, codexSpec, type Transport, type TransportContext, type TransportSession, type TurnInput, type TurnIO } from './transport';

/**
 * `codex app-server` (Codex ≥ 0.154): JSON-RPC over stdio JSONL, server→client request ids from 0.
 * One process per turn: initialize → thread/start (or thread/resume for a follow-up) → turn/start;
 * when the turn completes the session closes stdin and codex exits 0, which also ends any command
 * still running (turn/interrupt alone does not: shared/codex-protocol §2). The wire itself is in
 * appServerProtocol.ts.
 */
export class AppServerTransport implements Transport {
  readonly kind = 'app-server' as const;

  constructor(private readonly ctx: TransportContext) {}

  spec(): ProcessSpec {
    return codexSpec(this.ctx, ['app-server']);
  }

  open(io: TurnIO, input: TurnInput, emit: (e: EventBody) => void): TransportSession {
    return new AppServerSession(this.ctx, io, input, emit);
  }
}

class AppServerSession implements TransportSession, RpcHandlers {
  private readonly rpc: JsonRpcSession;
  private threadId: string | undefined;
  private turnId: string | undefined;
  private turnOpen = false;
  /** Files of fileChange items, for the patch approval that refers to them by item id. */
  private readonly fileChanges = new Map<string, FileChangeEntry[]>();
  /** Agent messages started but not completed in this turn, with the text shown so far. */
  private readonly openMessages = new Map<string, string>();
  /** Text of a message cut mid-stream, which Codex re-sends under a new item id (§2 errors). */
  private replay: { text: string; pos: number } | undefined;

  constructor(
    private readonly ctx: TransportContext,
    private readonly io: TurnIO,
    private readonly input: TurnInput,
    private readonly emit: (e: EventBody) => void,
  ) {
    this.rpc = new JsonRpcSession((line) => io.write(line), P.WITH_JSONRPC, emit);
    this.rpc.request(P.Call.initialize, P.initializeParams());
    if (input.threadId) {
      this.threadId = input.threadId;
      emit({ type: 'sessionStarted', threadId: input.threadId });
    }
  }

  gracefulStop(): void {
    this.interrupt();
    // stdin EOF ends app-server with code 0 and takes its running commands with it.
    setTimeout(() => this.io.endStdin(), this.turnOpen ? 300 : 0).unref();
  }

  /** Interrupts the running turn; the process then ends (stdin EOF) with the turn `interrupted`. */
  interrupt(): boolean {
    if (!this.turnOpen || !this.threadId || !this.turnId) {
      return false;
    }
    this.rpc.request(P.Call.turnInterrupt, P.turnInterruptParams(this.threadId, this.turnId));
    return true;
  }

  answerApproval(requestId: string, decision: ApprovalDecision): void {
    this.rpc.respond(requestId, P.approvalAnswer(decision));
  }

  onLine(line: string): void {
    this.rpc.receive(line, this);
  }

  onResponse(method: string | undefined, result: unknown, error: RpcError | undefined, line: string): void {
    if (error) {
      this.emit({ type: 'error', message: `${method ?? 'request'} failed: ${error.message}`, kind: 'protocol', willRetry: false });
      if (method !== P.Call.turnInterrupt) {
        // Nothing more will happen in this process: let it end (the reducer turns this into `failed`).
        this.io.endStdin();
      }
      return;
    }
    switch (method) {
      case P.Call.initialize:
        this.rpc.notify(P.Call.initialized);
        this.startThread();
        return;
      case P.Call.threadStart:
      case P.Call.threadResume: {
        const thread = P.threadOf(result);
        if (!thread.id) {
          this.emit({ type: 'unknown', raw: clip(line), reason: `${method} result without a thread id` });
          this.io.endStdin();
          return;
        }
        this.threadId = thread.id;
        if (method === P.Call.threadStart) {
          this.emit({ type: 'sessionStarted', threadId: thread.id, model: thread.model });
        }
        this.rpc.request(P.Call.turnStart, P.turnStartParams(thread.id, this.input.prompt));
        return;
      }
      case P.Call.turnStart: {
        const id = P.turnIdOf(result);
        if (id && !this.turnId) {
          this.turnId = id;
        }
        return;
      }
      default:
        return;
    }
  }

  private startThread(): void {
    if (this.input.threadId) {
      this.rpc.request(P.Call.threadResume, P.threadResumeParams(this.input.threadId));
      return;
    }
    this.rpc.request(P.Call.threadStart, P.threadStartParams(this.ctx.request, this.ctx.effectivePolicy));
  }

  onRequest(requestId: string, method: string, params: unknown, line: string): void {
    switch (method) {
      case P.Ask.commandApproval:
        return this.emit(P.commandApproval(requestId, params));
      case P.Ask.fileChangeApproval:
        return this.emit(P.patchApproval(requestId, params, (itemId) => this.fileChanges.get(itemId)));
      default:
        return this.rpc.refuse(requestId, method, line);
    }
  }

  onNotification(method: string, p: unknown, line: string): void {
    const bad = () => this.emit({ type: 'unknown', raw: clip(line), reason: `malformed ${method}` });
    switch (method) {
      case P.Note.turnStarted: {
        if (!P.TurnParams(p)) {
          return bad();
        }
        this.turnId = p.turn.id;
        this.turnOpen = true;
        this.openMessages.clear();
        this.replay = undefined;
        this.emit({ type: 'turnStarted', turnId: p.turn.id });
        return;
      }
      case P.Note.turnCompleted: {
        if (!P.TurnParams(p)) {
          return bad();
        }
        this.turnOpen = false;
        this.emit(P.turnEnd(p));
        // One process per turn: EOF ends app-server cleanly (and any command still running).
        this.io.endStdin();
        return;
      }
      case P.Note.itemStarted:
      case P.Note.itemCompleted:
        return this.onItem(method === P.Note.itemCompleted, p, line);
      case P.Note.agentMessageDelta: {
        if (!P.DeltaParams(p)) {
          return bad();
        }
        const shown = this.dedupe(p.itemId, p.delta);
        if (shown) {
          this.emit({ type: 'agentMessage', itemId: p.itemId, text: shown, delta: true });
        }
        return;
      }
      case P.Note.reasoningSummaryDelta:
        return P.DeltaParams(p) ? this.emit({ type: 'reasoning', itemId: p.itemId, text: p.delta, delta: true }) : bad();
      case P.Note.commandOutputDelta:
        return P.DeltaParams(p) ? this.emit({ type: 'commandOutput', itemId: p.itemId, chunk: p.delta }) : bad();
      case P.Note.diffUpdated:
        return P.DiffParams(p) ? this.emit({ type: 'diff', diff: p.diff }) : bad();
      case P.Note.tokenUsageUpdated:
        return P.TokenUsageParams(p) ? this.emit(P.tokenUsage(p)) : bad();
      case P.Note.error:
        return P.ErrorParams(p) ? this.emit(P.error(p)) : bad();
      case P.Note.serverRequestResolved:
        return P.ResolvedParams(p) ? this.emit({ type: 'approvalResolved', requestId: String(p.requestId) }) : bad();
      case P.Note.warning:
        return this.emit({ type: 'warning', message: P.MessageParams(p) ? p.message : clip(line, 300) });
      default:
        if (!P.QUIET.has(method)) {
          this.emit({ type: 'unknown', raw: clip(line), reason: `notification ${method} is not shown` });
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

  private onItem(done: boolean, p: unknown, line: string): void {
    if (!P.ItemParams(p)) {
      this.emit({ type: 'unknown', raw: clip(line), reason: 'malformed item notification' });
      return;
    }
    const item = p.item;
    const bad = () => this.emit({ type: 'unknown', raw: clip(line), reason: `malformed ${item.type} item` });
    switch (item.type) {
      case P.Item.userMessage:
      case P.Item.contextCompaction:
        return;
      case P.Item.reasoning: {
        const text = done ? P.reasoningText(item) : '';
        if (text) {
          this.emit({ type: 'reasoning', itemId: item.id, text, delta: false });
        }
        return;
      }
      case P.Item.agentMessage: {
        if (!done) {
          if (!this.openMessages.has(item.id)) {
            this.dedupe(item.id, '');
          }
          return;
        }
        if (!P.MessageText(item)) {
          return bad();
        }
        this.openMessages.delete(item.id);
        this.replay = undefined;
        this.emit({ type: 'agentMessage', itemId: item.id, text: item.text, delta: false });
        return;
      }
      case P.Item.commandExecution:
        if (!P.CommandItem(item)) {
          return bad();
        }
        return this.emit(done ? P.commandEnd(item) : P.commandBegin(item));
      case P.Item.fileChange: {
        if (!P.FileChangeItem(item)) {
          return bad();
        }
        const changes = P.fileChanges(item);
        this.fileChanges.set(item.id, changes);
        return this.emit(P.fileChange(item, changes, done));
      }
      case P.Item.mcpToolCall:
        return P.ToolItem(item) ? this.emit(P.toolCall(item, done)) : bad();
      default:
        if (done) {
          this.emit({ type: 'unknown', raw: clip(line), reason: `item type "${item.type}" is not shown` });
        }
    }
  }
}
