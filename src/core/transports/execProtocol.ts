/**
 * The `codex exec --json` wire (shared/codex-protocol §3), in one place: the command line of a turn,
 * the JSONL events it prints and their shapes, and what each becomes as a normalized event. A change
 * in Codex's protocol is a change in this file.
 */
import type { EventBody } from '../model/events';
import type { ApprovalPolicy, TaskRequest } from '../model/request';
import { anything, arrayOf, type GuardType, nullable, num, oneOf, opt, shape, str, tagged } from './guards';
import { commandEndStatus, fileChangeKind, SnakeUsage, snakeUsage } from './normalize';

/** The TOML literal for a `-c key=value` override. */
export function tomlValue(v: string | number | boolean): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** The arguments of one turn: a new thread, or `resume <thread>`; the prompt always on stdin (`-`). */
export function execArgs(r: TaskRequest, approvalPolicy: ApprovalPolicy, threadId: string | undefined): string[] {
  const args = ['exec', '--json', '--skip-git-repo-check', '-C', r.cwd, '-s', r.sandbox];
  if (r.model) {
    args.push('-m', r.model);
  }
  args.push('-c', `approval_policy=${tomlValue(approvalPolicy)}`);
  for (const [k, v] of Object.entries(r.config ?? {})) {
    args.push('-c', `${k}=${tomlValue(v)}`);
  }
  if (threadId) {
    args.push('resume', threadId);
  }
  // The prompt goes through stdin: never parsed as a flag, and no argv length limit.
  args.push('-');
  return args;
}

const ItemShape = shape({ id: str, type: str });
export type ExecItem = GuardType<typeof ItemShape>;

export const ExecEvent = tagged('type', {
  'thread.started': shape({ thread_id: str }),
  'turn.started': shape({}),
  'item.started': shape({ item: ItemShape }),
  'item.updated': shape({ item: ItemShape }),
  'item.completed': shape({ item: ItemShape }),
  'turn.completed': shape({ usage: SnakeUsage }),
  'turn.failed': shape({ error: shape({ message: str }) }),
  error: shape({ message: str }),
});

/** The item types of item.started / item.updated / item.completed. */
export const Item = {
  reasoning: 'reasoning',
  agentMessage: 'agent_message',
  commandExecution: 'command_execution',
  fileChange: 'file_change',
  mcpToolCall: 'mcp_tool_call',
  error: 'error',
} as const;

export const TextItem = shape({ id: str, text: str });
export const CommandItem = shape({
  id: str,
  command: str,
  aggregated_output: opt(str),
  exit_code: opt(nullable(num)),
  status: opt(str),
  duration_ms: opt(num),
});
export const FileChangeItem = shape({
  id: str,
  changes: arrayOf(shape({ path: str, kind: oneOf(str, shape({ type: str })) })),
  status: opt(str),
});
export const ToolItem = shape({
  id: str,
  server: str,
  tool: str,
  arguments: opt(anything),
  result: opt(anything),
  error: opt(nullable(shape({ message: str }))),
  status: opt(str),
});
export const MessageItem = shape({ message: str });

/** exec's usage is the thread total (§3). */
export const turnUsage = (u: GuardType<typeof SnakeUsage>): EventBody => ({ type: 'tokenUsage', total: snakeUsage(u) });

/** codex retries a lost connection itself and says so ("Reconnecting... 2/5"). */
export const isRetry = (message: string): boolean => /^Reconnecting\.\.\./.test(message);

export function commandEnd(c: GuardType<typeof CommandItem>): EventBody {
  return {
    type: 'commandEnd',
    itemId: c.id,
    command: c.command,
    exitCode: c.exit_code ?? null,
    durationMs: c.duration_ms,
    output: c.aggregated_output,
    status: commandEndStatus(c.status, c.exit_code),
  };
}

export function fileChange(f: GuardType<typeof FileChangeItem>, done: boolean): EventBody {
  const changes = f.changes.map((ch) => ({ path: ch.path, kind: fileChangeKind(ch.kind) }));
  return { type: 'fileChange', itemId: f.id, changes, status: !done ? 'started' : f.status === 'failed' ? 'failed' : 'completed' };
}

export function toolCall(m: GuardType<typeof ToolItem>, done: boolean): EventBody {
  return done
    ? { type: 'toolCallEnd', itemId: m.id, server: m.server, tool: m.tool, result: m.result, error: m.error?.message }
    : { type: 'toolCallBegin', itemId: m.id, server: m.server, tool: m.tool, arguments: m.arguments };
}
