import type { EventBody } from '../model/events';
import type { ProcessSpec } from '../process/codexProcess';
import * as P from './execProtocol';
import { clip, codexSpec, parseJsonObject, type Transport, type TransportContext, type TransportSession, type TurnInput, type TurnIO } from './transport';

/**
 * `codex exec --json`: one process per turn, JSONL events on stdout, the prompt on stdin, follow-ups
 * through `exec resume <thread id>`. It cannot answer approvals (shared/codex-protocol §3). The wire
 * itself is in execProtocol.ts.
 */
export class ExecTransport implements Transport {
  readonly kind = 'exec' as const;

  constructor(private readonly ctx: TransportContext) {}

  spec(input: TurnInput): ProcessSpec {
    return codexSpec(this.ctx, P.execArgs(this.ctx.request, this.ctx.effectivePolicy, input.threadId));
  }

  open(io: TurnIO, input: TurnInput, emit: (e: EventBody) => void): TransportSession {
    return new ExecSession(this.ctx, io, input, emit);
  }
}

class ExecSession implements TransportSession {
  constructor(
    private readonly ctx: TransportContext,
    private readonly io: TurnIO,
    input: TurnInput,
    private readonly emit: (e: EventBody) => void,
  ) {
    if (input.threadId) {
      emit({ type: 'sessionStarted', threadId: input.threadId });
    }
    // exec reads the prompt to EOF.
    io.write(input.prompt);
    io.endStdin();
  }

  gracefulStop(): void {
    // SIGINT: exec exits with code 1 within ~40 ms and leaves no command behind (§3 kill table).
    this.io.signal('SIGINT');
  }

  onLine(line: string): void {
    const obj = parseJsonObject(line);
    if (!P.ExecEvent(obj)) {
      this.emit({ type: 'unknown', raw: clip(line), reason: obj ? `unrecognized exec event${typeof obj.type === 'string' ? ` "${obj.type}"` : ''}` : 'not a JSON object' });
      return;
    }
    const ev = obj;
    switch (ev.type) {
      case 'thread.started':
        this.emit({ type: 'sessionStarted', threadId: ev.thread_id, model: this.ctx.request.model });
        return;
      case 'turn.started':
        this.emit({ type: 'turnStarted' });
        return;
      case 'item.started':
      case 'item.updated':
      case 'item.completed':
        this.item(ev.type, ev.item, line);
        return;
      case 'turn.completed':
        this.emit(P.turnUsage(ev.usage));
        this.emit({ type: 'turnEnd', status: 'completed' });
        return;
      case 'turn.failed':
        this.emit({ type: 'turnEnd', status: 'failed', error: ev.error.message });
        return;
      case 'error':
        this.emit({ type: 'error', message: ev.message, willRetry: P.isRetry(ev.message) });
        return;
    }
  }

  private item(phase: 'item.started' | 'item.updated' | 'item.completed', item: P.ExecItem, line: string): void {
    const done = phase === 'item.completed';
    const started = phase === 'item.started';
    const bad = () => this.emit({ type: 'unknown', raw: clip(line), reason: `malformed ${item.type} item` });
    switch (item.type) {
      case P.Item.reasoning:
      case P.Item.agentMessage:
        if (!P.TextItem(item)) {
          return bad();
        }
        if (done) {
          this.emit({ type: item.type === P.Item.reasoning ? 'reasoning' : 'agentMessage', itemId: item.id, text: item.text, delta: false });
        }
        return;
      case P.Item.commandExecution:
        if (!P.CommandItem(item)) {
          return bad();
        }
        if (started) {
          this.emit({ type: 'commandBegin', itemId: item.id, command: item.command, cwd: this.ctx.request.cwd });
        } else if (done) {
          this.emit(P.commandEnd(item));
        }
        return;
      case P.Item.fileChange:
        if (!P.FileChangeItem(item)) {
          return bad();
        }
        if (started || done) {
          this.emit(P.fileChange(item, done));
        }
        return;
      case P.Item.mcpToolCall:
        if (!P.ToolItem(item)) {
          return bad();
        }
        if (started || done) {
          this.emit(P.toolCall(item, done));
        }
        return;
      case P.Item.error:
        this.emit({ type: 'warning', message: P.MessageItem(item) ? item.message : clip(line) });
        return;
      default:
        if (done) {
          this.emit({ type: 'unknown', raw: clip(line), reason: `exec item type "${item.type}" is not shown` });
        }
    }
  }
}
