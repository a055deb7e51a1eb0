import type { ProcessSpec } from '../process/codexProcess';
import { anything, arrayOf, type GuardType, nullable, num, oneOf, opt, shape, str, tagged } from './guards';
import type { EventBody, TokenCounts } from '../model/events';
import { tomlValue } from '../model/request';
import { clip, codexSpec, parseJsonObject, type Transport, type TransportContext, type TransportIO, type TurnInput } from './transport';

/**
 * `codex exec --json`: one process per turn, JSONL events on stdout, prompt on stdin (`-`), follow-ups
 * through `exec resume <thread id>`. It cannot answer approvals (shared/codex-protocol §3).
 */

const Usage = shape({
  input_tokens: num,
  cached_input_tokens: opt(num),
  output_tokens: num,
  reasoning_output_tokens: opt(num),
});

const Item = shape({ id: str, type: str });
const CommandItem = shape({
  id: str,
  command: str,
  aggregated_output: opt(str),
  exit_code: opt(nullable(num)),
  status: opt(str),
  duration_ms: opt(num),
});
const FileChangeItem = shape({
  id: str,
  changes: arrayOf(shape({ path: str, kind: oneOf(str, shape({ type: str })) })),
  status: opt(str),
});
const TextItem = shape({ id: str, text: str });
const ToolItem = shape({
  id: str,
  server: str,
  tool: str,
  arguments: opt(anything),
  result: opt(anything),
  error: opt(nullable(shape({ message: str }))),
  status: opt(str),
});

const MessageItem = shape({ message: str });

const ExecEvent = tagged('type', {
  'thread.started': shape({ thread_id: str }),
  'turn.started': shape({}),
  'item.started': shape({ item: Item }),
  'item.updated': shape({ item: Item }),
  'item.completed': shape({ item: Item }),
  'turn.completed': shape({ usage: Usage }),
  'turn.failed': shape({ error: shape({ message: str }) }),
  error: shape({ message: str }),
});

export function execUsage(u: GuardType<typeof Usage>): TokenCounts {
  // exec's usage is the thread total and has no total field (shared/codex-protocol §3).
  return {
    input: u.input_tokens,
    cachedInput: u.cached_input_tokens ?? 0,
    output: u.output_tokens,
    reasoningOutput: u.reasoning_output_tokens ?? 0,
    total: u.input_tokens + u.output_tokens,
  };
}

const fileKind = (k: string | { type: string }) => (typeof k === 'string' ? k : k.type);

export class ExecTransport implements Transport {
  readonly kind = 'exec' as const;

  constructor(private readonly ctx: TransportContext) {}

  spec(input: TurnInput): ProcessSpec {
    const r = this.ctx.request;
    const args = ['exec', '--json', '--skip-git-repo-check', '-C', r.cwd, '-s', r.sandbox];
    if (r.model) {
      args.push('-m', r.model);
    }
    args.push('-c', `approval_policy=${tomlValue(this.ctx.effectivePolicy)}`);
    for (const [k, v] of Object.entries(r.config ?? {})) {
      args.push('-c', `${k}=${tomlValue(v)}`);
    }
    if (input.threadId) {
      args.push('resume', input.threadId);
    }
    // The prompt goes through stdin: never parsed as a flag, and no argv length limit.
    args.push('-');
    return codexSpec(this.ctx, args);
  }

  attach(io: TransportIO, input: TurnInput, emit: (e: EventBody) => void): void {
    if (input.threadId) {
      emit({ type: 'sessionStarted', threadId: input.threadId });
    }
    io.write(input.prompt);
    io.endStdin();
  }

  gracefulStop(io: TransportIO): void {
    // SIGINT: exec exits with code 1 within ~40 ms and leaves no command behind (§3 kill table).
    io.signal('SIGINT');
  }

  onLine(line: string, emit: (e: EventBody) => void): void {
    const obj = parseJsonObject(line);
    if (!ExecEvent(obj)) {
      emit({ type: 'unknown', raw: clip(line), reason: obj ? `unrecognized exec event${typeof obj.type === 'string' ? ` "${obj.type}"` : ''}` : 'not a JSON object' });
      return;
    }
    const ev = obj;
    switch (ev.type) {
      case 'thread.started':
        emit({ type: 'sessionStarted', threadId: ev.thread_id, model: this.ctx.request.model });
        return;
      case 'turn.started':
        emit({ type: 'turnStarted' });
        return;
      case 'item.started':
      case 'item.updated':
      case 'item.completed':
        this.item(ev.type, ev.item, line, emit);
        return;
      case 'turn.completed':
        emit({ type: 'tokenUsage', total: execUsage(ev.usage) });
        emit({ type: 'turnEnd', status: 'completed' });
        return;
      case 'turn.failed':
        emit({ type: 'turnEnd', status: 'failed', error: ev.error.message });
        return;
      case 'error': {
        const willRetry = /^Reconnecting\.\.\./.test(ev.message);
        emit({ type: 'error', message: ev.message, willRetry });
        return;
      }
    }
  }

  private item(phase: 'item.started' | 'item.updated' | 'item.completed', item: GuardType<typeof Item>, line: string, emit: (e: EventBody) => void): void {
    const done = phase === 'item.completed';
    const bad = (what: string) => emit({ type: 'unknown', raw: clip(line), reason: `malformed ${what} item` });
    switch (item.type) {
      case 'reasoning':
      case 'agent_message': {
        const t = item;
        if (!TextItem(t)) {
          return bad(item.type);
        }
        if (done) {
          emit({ type: item.type === 'reasoning' ? 'reasoning' : 'agentMessage', itemId: t.id, text: t.text, delta: false });
        }
        return;
      }
      case 'command_execution': {
        const c = item;
        if (!CommandItem(c)) {
          return bad(item.type);
        }
        if (phase === 'item.started') {
          emit({ type: 'commandBegin', itemId: c.id, command: c.command, cwd: this.ctx.request.cwd });
        } else if (done) {
          const st = c.status;
          emit({
            type: 'commandEnd',
            itemId: c.id,
            command: c.command,
            exitCode: c.exit_code ?? null,
            durationMs: c.duration_ms,
            output: c.aggregated_output,
            status: st === 'declined' ? 'declined' : st === 'failed' || (c.exit_code ?? 0) !== 0 ? 'failed' : 'completed',
          });
        }
        return;
      }
      case 'file_change': {
        const f = item;
        if (!FileChangeItem(f)) {
          return bad(item.type);
        }
        const changes = f.changes.map((ch) => ({ path: ch.path, kind: fileKind(ch.kind) }));
        if (phase === 'item.started') {
          emit({ type: 'fileChange', itemId: f.id, changes, status: 'started' });
        } else if (done) {
          emit({ type: 'fileChange', itemId: f.id, changes, status: f.status === 'failed' ? 'failed' : 'completed' });
        }
        return;
      }
      case 'mcp_tool_call': {
        const m = item;
        if (!ToolItem(m)) {
          return bad(item.type);
        }
        if (phase === 'item.started') {
          emit({ type: 'toolCallBegin', itemId: m.id, server: m.server, tool: m.tool, arguments: m.arguments });
        } else if (done) {
          emit({ type: 'toolCallEnd', itemId: m.id, server: m.server, tool: m.tool, result: m.result, error: m.error?.message });
        }
        return;
      }
      case 'error': {
        emit({ type: 'warning', message: MessageItem(item) ? item.message : clip(line) });
        return;
      }
      default:
        if (done) {
          emit({ type: 'unknown', raw: clip(line), reason: `exec item type "${item.type}" is not shown` });
        }
    }
  }
}
