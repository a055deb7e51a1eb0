import type { TokenCounts } from '../model/events';
import { type GuardType, num, opt, shape } from './guards';

/**
 * What the three wires have in common, normalized once: how a file change names its kind, how a
 * command's end is judged, token usage in snake_case, and the kind of a codex error.
 */

/** A file change's kind: a string, or an object naming it (`{ "type": "add" }`). */
export function fileChangeKind(kind: string | { type: string }): string {
  return typeof kind === 'string' ? kind : kind.type;
}

/** How a command ended: declined, failed (a failed status or a non-zero exit), or completed. */
export function commandEndStatus(status: string | undefined, exitCode: number | null | undefined): 'completed' | 'failed' | 'declined' {
  return status === 'declined' ? 'declined' : status === 'failed' || (exitCode ?? 0) !== 0 ? 'failed' : 'completed';
}

/** Token usage as exec and mcp-server's `codex/event` print it. */
export const SnakeUsage = shape({
  input_tokens: num,
  cached_input_tokens: opt(num),
  output_tokens: num,
  reasoning_output_tokens: opt(num),
  total_tokens: opt(num),
});

export function snakeUsage(u: GuardType<typeof SnakeUsage>): TokenCounts {
  return {
    input: u.input_tokens,
    cachedInput: u.cached_input_tokens ?? 0,
    output: u.output_tokens,
    reasoningOutput: u.reasoning_output_tokens ?? 0,
    // exec prints no total (shared/codex-protocol §3).
    total: u.total_tokens ?? u.input_tokens + u.output_tokens,
  };
}

/** codex's error info is a string (`"internalServerError"`) or a one-key object (`{httpConnectionFailed:{…}}`). */
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
