import type { ApprovalDecision, EventBody } from '../model/events';
import type { ProcessSpec } from '../process/codexProcess';
import { JsonRpcSession, type RpcError, type RpcHandlers } from './jsonRpc';
import * as P from './mcpServerProtocol';
import { clip, codexSpec, type Transport, type TransportContext, type TransportSession, type TurnInput, type TurnIO } from './transport';

/**
 * `codex mcp-server` (Codex ≤ 0.153.x), the seed's transport: MCP over stdio. initialize →
 * notifications/initialized → tools/call `codex`; follow-ups are `codex-reply` calls on the same
 * process, whose session lives only in its memory. The wire itself is in mcpServerProtocol.ts.
 */
export class McpServerTransport implements Transport {
  readonly kind = 'mcp-server' as const;

  constructor(private readonly ctx: TransportContext) {}

  spec(): ProcessSpec {
    return codexSpec(this.ctx, ['mcp-server']);
  }

  open(io: TurnIO, input: TurnInput, emit: (e: EventBody) => void): TransportSession {
    return new McpServerSession(this.ctx, io, input, emit);
  }
}

class McpServerSession implements TransportSession, RpcHandlers {
  private readonly rpc: JsonRpcSession;
  private input: TurnInput;
  private callId: number | undefined;
  private turnOpen = false;
  private turnEnded = false;
  /** A final error was already reported for this turn (the isError result must not replace it). */
  private failed = false;
  private threadId: string | undefined;
  /** Newer event names (content deltas) win over the older ones, so nothing is shown twice. */
  private sawContentDelta = false;
  private sawReasoningContentDelta = false;

  constructor(
    private readonly ctx: TransportContext,
    private readonly io: TurnIO,
    input: TurnInput,
    private readonly emit: (e: EventBody) => void,
  ) {
    this.input = input;
    this.rpc = new JsonRpcSession((line) => io.write(line), P.WITH_JSONRPC, emit);
    this.rpc.request(P.Call.initialize, P.initializeParams());
    if (input.threadId) {
      this.threadId = input.threadId;
      emit({ type: 'sessionStarted', threadId: input.threadId });
    }
  }

  continueInProcess(input: TurnInput): void {
    this.input = input;
    this.callId = undefined;
    this.turnOpen = false;
    this.turnEnded = false;
    this.failed = false;
    this.call();
  }

  gracefulStop(): void {
    if (this.callId !== undefined && this.turnOpen) {
      // Stops the work but never answers the tools/call (codex#20925): our own kill ends the task.
      this.rpc.notify(P.Call.cancelled, P.cancelParams(this.callId, 'Stopped in Codex Tasks'));
    }
    // stdin EOF alone waits for a running command (§4 lifecycle), so the tree kill that follows matters.
    setTimeout(() => this.io.endStdin(), 200).unref();
  }

  interrupt(): boolean {
    if (this.callId === undefined || !this.turnOpen) {
      return false;
    }
    this.rpc.notify(P.Call.cancelled, P.cancelParams(this.callId, 'Interrupted in Codex Tasks'));
    return true;
  }

  answerApproval(requestId: string, decision: ApprovalDecision): void {
    this.rpc.respond(requestId, P.approvalAnswer(decision));
  }

  onLine(line: string): void {
    this.rpc.receive(line, this);
  }

  onRequest(requestId: string, method: string, params: unknown, line: string): void {
    if (method === P.Ask.elicitation) {
      this.emit(P.approvalRequest(requestId, params));
      return;
    }
    this.rpc.refuse(requestId, method, line);
  }

  onNotification(method: string, params: unknown, line: string): void {
    if (method === P.Note.event) {
      this.onEvent(params, line);
    } else if (!method.startsWith('notifications/')) {
      this.emit({ type: 'unknown', raw: clip(line), reason: `notification ${method} is not shown` });
    }
  }

  onResponse(method: string | undefined, result: unknown, error: RpcError | undefined, line: string): void {
    if (error) {
      this.emit({ type: 'error', message: `${method ?? 'request'} failed: ${error.message}`, kind: 'protocol', willRetry: false });
      this.endTurn('failed', error.message);
      return;
    }
    if (method === P.Call.initialize) {
      this.rpc.notify(P.Call.initialized);
      this.call();
      return;
    }
    if (method === P.Call.toolsCall) {
      if (!P.ToolResult(result)) {
        this.emit({ type: 'unknown', raw: clip(line), reason: 'malformed tools/call result' });
        this.endTurn('failed', 'malformed tools/call result');
        return;
      }
      const text = P.resultText(result);
      if (result.isError) {
        if (!this.failed) {
          this.emit({ type: 'error', message: text || 'codex reported an error', willRetry: false });
        }
        this.endTurn('failed', text);
      } else {
        this.endTurn('completed');
      }
    }
  }

  private call(): void {
    const call = this.input.threadId ? P.codexReplyCall(this.input.threadId, this.input.prompt) : P.codexCall(this.ctx.request, this.input.prompt, this.ctx.effectivePolicy);
    this.callId = this.rpc.request(P.Call.toolsCall, call);
  }

  /**
   * The turn is over (task_complete, turn_aborted, or the call's result). The session lives only in
   * this process (codex-reply in a new one answers "Session not found"), so after a completed turn
   * codex stays up, idle, for a follow-up; after a failure its stdin is closed and it ends.
   */
  private endTurn(status: 'completed' | 'interrupted' | 'failed', error?: string): void {
    if (!this.turnEnded) {
      this.turnEnded = true;
      this.turnOpen = false;
      this.emit({ type: 'turnEnd', status, error });
    }
    if (status === 'completed') {
      this.emit({ type: 'sessionIdle' });
    } else {
      this.io.endStdin();
    }
  }

  private emitDelta(type: 'reasoning' | 'agentMessage', msg: P.EventMsg): void {
    const d = P.deltaOf(msg);
    this.emit({ type, itemId: d.itemId, text: d.text, delta: true });
  }

  private onEvent(params: unknown, line: string): void {
    if (!P.EventParams(params)) {
      this.emit({ type: 'unknown', raw: clip(line), reason: 'malformed codex/event' });
      return;
    }
    const msg = params.msg as P.EventMsg;
    switch (msg.type) {
      case P.Event.sessionConfigured: {
        const s = P.sessionOf(msg);
        this.threadId = s.threadId ?? this.threadId;
        if (this.threadId && !this.input.threadId) {
          this.emit({ type: 'sessionStarted', threadId: this.threadId, model: s.model });
        }
        return;
      }
      case P.Event.taskStarted:
        this.turnOpen = true;
        this.emit({ type: 'turnStarted', turnId: P.turnIdOf(msg) });
        return;
      case P.Event.reasoningDelta:
        if (!this.sawReasoningContentDelta) {
          this.emit({ type: 'reasoning', text: P.deltaOf(msg).text, delta: true });
        }
        return;
      case P.Event.reasoningContentDelta:
        this.sawReasoningContentDelta = true;
        this.emitDelta('reasoning', msg);
        return;
      case P.Event.messageDelta:
        if (!this.sawContentDelta) {
          this.emit({ type: 'agentMessage', text: P.deltaOf(msg).text, delta: true });
        }
        return;
      case P.Event.messageContentDelta:
        this.sawContentDelta = true;
        this.emitDelta('agentMessage', msg);
        return;
      case P.Event.taskComplete:
        this.turnOpen = false;
        // The turn is done; the tools/call result that follows settles the process.
        if (!this.turnEnded) {
          this.turnEnded = true;
          this.emit({ type: 'turnEnd', turnId: P.turnIdOf(msg), status: 'completed' });
        }
        return;
      case P.Event.turnAborted:
        // notifications/cancelled gives turn_aborted but never a tools/call result (codex#20925).
        this.endTurn('interrupted');
        return;
      case P.Event.error:
        this.failed = true;
        this.emit(P.errorEvent(msg));
        return;
      default: {
        const e = P.plainEvent(msg);
        if (e) {
          this.emit(e);
        } else if (e === undefined && !P.QUIET.has(msg.type)) {
          this.emit({ type: 'unknown', raw: clip(line), reason: `codex/event "${msg.type}" is not shown` });
        }
      }
    }
  }
}
