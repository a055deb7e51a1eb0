import * as z from 'zod/mini';
import type { ProcessSpec } from '../codexProcess';
import type { EventBody, TokenCounts } from '../events';
import { tomlValue } from '../request';
import { clip, codexSpec, parseJsonObject, type Transport, type TransportContext, type TransportIO, type TurnInput } from './transport';

/**
 * `codex exec --json`: one process per turn, JSONL events on stdout, prompt on stdin (`-`), follow-ups
 * through `exec resume <thread id>`. It cannot answer approvals (shared/codex-protocol §3).
 */

const Usage = z.looseObject({
  input_tokens: z.number(),
  cached_input_tokens: z.optional(z.number()),
  output_tokens: z.number(),
  reasoning_output_tokens: z.optional(z.number()),
});

const Item = z.looseObject({ id: z.string(), type: z.string() });
const CommandItem = z.looseObject({
  id: z.string(),
  command: z.string(),
  aggregated_output: z.optional(z.string()),
  exit_code: z.optional(z.nullable(z.number())),
  status: z.optional(z.string()),
  duration_ms: z.optional(z.number()),
});
const FileChangeItem = z.looseObject({
  id: z.string(),
  changes: z.array(z.looseObject({ path: z.string(), kind: z.union([z.string(), z.looseObject({ type: z.string() })]) })),
  status: z.optional(z.string()),
});
const TextItem = z.looseObject({ id: z.string(), text: z.string() });
const ToolItem = z.looseObject({
  id: z.string(),
  server: z.string(),
  tool: z.string(),
  arguments: z.optional(z.unknown()),
  result: z.optional(z.unknown()),
  error: z.optional(z.nullable(z.looseObject({ message: z.string() }))),
  status: z.optional(z.string()),
});

const ExecEvent = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('thread.started'), thread_id: z.string() }),
  z.looseObject({ type: z.literal('turn.started') }),
  z.looseObject({ type: z.literal('item.started'), item: Item }),
  z.looseObject({ type: z.literal('item.updated'), item: Item }),
  z.looseObject({ type: z.literal('item.completed'), item: Item }),
  z.looseObject({ type: z.literal('turn.completed'), usage: Usage }),
  z.looseObject({ type: z.literal('turn.failed'), error: z.looseObject({ message: z.string() }) }),
  z.looseObject({ type: z.literal('error'), message: z.string() }),
]);

export function execUsage(u: z.infer<typeof Usage>): TokenCounts {
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
    const parsed = obj ? ExecEvent.safeParse(obj) : undefined;
    if (!parsed?.success) {
      emit({ type: 'unknown', raw: clip(line), reason: obj ? `unrecognized exec event${typeof obj.type === 'string' ? ` "${obj.type}"` : ''}` : 'not a JSON object' });
      return;
    }
    const ev = parsed.data;
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

  private item(phase: 'item.started' | 'item.updated' | 'item.completed', item: z.infer<typeof Item>, line: string, emit: (e: EventBody) => void): void {
    const done = phase === 'item.completed';
    const bad = (what: string) => emit({ type: 'unknown', raw: clip(line), reason: `malformed ${what} item` });
    switch (item.type) {
      case 'reasoning':
      case 'agent_message': {
        const t = TextItem.safeParse(item);
        if (!t.success) {
          return bad(item.type);
        }
        if (done) {
          emit({ type: item.type === 'reasoning' ? 'reasoning' : 'agentMessage', itemId: t.data.id, text: t.data.text, delta: false });
        }
        return;
      }
      case 'command_execution': {
        const c = CommandItem.safeParse(item);
        if (!c.success) {
          return bad(item.type);
        }
        if (phase === 'item.started') {
          emit({ type: 'commandBegin', itemId: c.data.id, command: c.data.command, cwd: this.ctx.request.cwd });
        } else if (done) {
          const st = c.data.status;
          emit({
            type: 'commandEnd',
            itemId: c.data.id,
            command: c.data.command,
            exitCode: c.data.exit_code ?? null,
            durationMs: c.data.duration_ms,
            output: c.data.aggregated_output,
            status: st === 'declined' ? 'declined' : st === 'failed' || (c.data.exit_code ?? 0) !== 0 ? 'failed' : 'completed',
          });
        }
        return;
      }
      case 'file_change': {
        const f = FileChangeItem.safeParse(item);
        if (!f.success) {
          return bad(item.type);
        }
        const changes = f.data.changes.map((ch) => ({ path: ch.path, kind: fileKind(ch.kind) }));
        if (phase === 'item.started') {
          emit({ type: 'fileChange', itemId: f.data.id, changes, status: 'started' });
        } else if (done) {
          emit({ type: 'fileChange', itemId: f.data.id, changes, status: f.data.status === 'failed' ? 'failed' : 'completed' });
        }
        return;
      }
      case 'mcp_tool_call': {
        const m = ToolItem.safeParse(item);
        if (!m.success) {
          return bad(item.type);
        }
        if (phase === 'item.started') {
          emit({ type: 'toolCallBegin', itemId: m.data.id, server: m.data.server, tool: m.data.tool, arguments: m.data.arguments });
        } else if (done) {
          emit({ type: 'toolCallEnd', itemId: m.data.id, server: m.data.server, tool: m.data.tool, result: m.data.result, error: m.data.error?.message });
        }
        return;
      }
      case 'error': {
        const t = z.looseObject({ message: z.string() }).safeParse(item);
        emit({ type: 'warning', message: t.success ? t.data.message : clip(line) });
        return;
      }
      default:
        if (done) {
          emit({ type: 'unknown', raw: clip(line), reason: `exec item type "${item.type}" is not shown` });
        }
    }
  }
}
