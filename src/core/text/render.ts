import type { TaskEvent } from '../model/events';
import type { TaskState } from '../model/taskState';
import { truncate } from '../model/truncate';
import { formatDuration, formatUsage, withSeparators } from './format';

/**
 * How much of one command's streamed output the channel shows as it arrives: the first 256 KB, then
 * (when the command ends) its last 16 KB. The rest goes only to the raw log, and the channel says so.
 * Every character appended to an output channel is re-processed by the editor (the document is synced
 * into the extension host and every extension that watches documents sees it): a command printing
 * megabytes per second would otherwise stall the extension host, and gigabytes would fill memory.
 */
export const COMMAND_OUTPUT_SHOWN = 256 * 1024;
export const COMMAND_OUTPUT_TAIL = 16 * 1024;

const size = (chars: number) => (chars >= 1024 * 1024 ? `${(chars / (1024 * 1024)).toFixed(1)} MB` : `${(chars / 1024).toFixed(1)} KB`);

/** The most recent output of a command past the shown part, bounded (chunks dropped from the front). */
class Tail {
  private chunks: string[] = [];
  private length = 0;
  held = 0;

  add(chunk: string): void {
    this.held += chunk.length;
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.length > 2 * COMMAND_OUTPUT_TAIL) {
      let drop = 0;
      while (this.length - this.chunks[drop].length >= COMMAND_OUTPUT_TAIL) {
        this.length -= this.chunks[drop].length;
        drop++;
      }
      this.chunks = this.chunks.slice(drop);
    }
  }

  /** The last lines (at most COMMAND_OUTPUT_TAIL characters, from a line start when possible). */
  text(): string {
    let t = this.chunks.join('');
    if (t.length > COMMAND_OUTPUT_TAIL) {
      t = t.slice(-COMMAND_OUTPUT_TAIL);
      const nl = t.indexOf('\n');
      if (nl >= 0 && nl < t.length - 1) {
        t = t.slice(nl + 1);
      }
    }
    return t;
  }
}

function clipText(s: string, max: number): string {
  return truncate(s, max, (cut) => ` (${cut} more chars in the raw log)`);
}

function json(v: unknown, max = 400): string {
  let s: string;
  try {
    s = typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    s = String(v);
  }
  return clipText(s ?? '', max);
}

/** The header written when a task's output channel is created. */
export function renderHeader(s: TaskState): string {
  const r = s.request;
  return [
    `Codex Task ${s.id}${s.transport ? ` · ${s.transport}` : ''}${s.codexVersion ? ` · codex ${s.codexVersion}` : ''}`,
    `prompt:   ${r.prompt.split('\n').join('\n          ')}`,
    `cwd:      ${r.cwd}`,
    `approval: ${r.approvalPolicy} · sandbox: ${r.sandbox}${r.model ? ` · model: ${r.model}` : ''}`,
    ...(s.rawLogPath ? [`raw log:  ${s.rawLogPath}`] : []),
    '',
  ].join('\n') + '\n';
}

/**
 * Turns events into the text of a task's output channel. It keeps only what it needs to lay out
 * streams (which item is streaming, which items already streamed their text); it does no I/O.
 */
export class Renderer {
  /** The stream currently open on the last line, so that a different one starts on a new line. */
  private open: string | undefined;
  /** Whether the text so far ends with a newline (a stream may end its own lines). */
  private atLineStart = true;
  private readonly streamed = new Set<string>();
  /** Per command item: characters of streamed output shown, and what was held back. */
  private readonly shown = new Map<string, { shown: number; tail?: Tail }>();
  private turnNo = 0;

  render(e: TaskEvent, s: TaskState): string {
    const out = this.renderEvent(e, s);
    if (out.length > 0) {
      this.atLineStart = out.endsWith('\n');
    }
    return out;
  }

  private renderEvent(e: TaskEvent, s: TaskState): string {
    switch (e.type) {
      case 'spawned':
        return this.line(`▶ codex started (pid ${e.pid}, ${e.transport}, codex ${e.codexVersion})`);
      case 'sessionStarted':
        return this.line(`thread ${e.threadId}${e.model ? ` · model ${e.model}` : ''}`);
      case 'turnStarted':
        this.turnNo += 1;
        this.streamed.clear();
        return this.line(`── turn ${this.turnNo} ──`);
      case 'reasoning':
        return this.stream(`reasoning:${e.itemId ?? ''}`, 'thinking: ', e.text, e.delta);
      case 'agentMessage':
        return this.stream(`message:${e.itemId ?? ''}`, 'codex: ', e.text, e.delta);
      case 'commandBegin':
        return this.line(`$ ${e.command}${e.cwd && e.cwd !== s.request.cwd ? `   (in ${e.cwd})` : ''}`);
      case 'commandOutput': {
        const key = `command:${e.itemId}`;
        this.streamed.add(key);
        this.open = key;
        let c = this.shown.get(key);
        if (!c) {
          c = { shown: 0 };
          this.shown.set(key, c);
        }
        if (c.tail) {
          c.tail.add(e.chunk);
          return '';
        }
        const room = COMMAND_OUTPUT_SHOWN - c.shown;
        if (e.chunk.length <= room) {
          c.shown += e.chunk.length;
          return e.chunk;
        }
        c.shown = COMMAND_OUTPUT_SHOWN;
        c.tail = new Tail();
        c.tail.add(e.chunk.slice(room));
        const head = e.chunk.slice(0, room);
        const where = s.rawLogPath;
        return `${head}${head.endsWith('\n') ? '' : '\n'}… more output than is shown here (${size(COMMAND_OUTPUT_SHOWN)}): the rest is in the raw log${where ? ` ${where}` : ''}; its last lines follow when the command ends\n`;
      }
      case 'commandEnd': {
        const key = `command:${e.itemId}`;
        let out = '';
        if (!this.streamed.has(key) && e.output) {
          // No deltas arrived (exec has none; app-server can miss some): the full output is authoritative.
          out = this.close() + clipText(e.output, 20_000);
          if (!out.endsWith('\n')) {
            out += '\n';
          }
          this.open = undefined;
        }
        this.streamed.delete(key);
        const tail = this.shown.get(key)?.tail;
        this.shown.delete(key);
        if (tail) {
          const last = tail.text();
          const skipped = tail.held - last.length;
          out += this.line(`… ${size(skipped)} not shown (in the raw log); the last ${size(last.length)}:`);
          out += last.endsWith('\n') ? last : `${last}\n`;
          this.atLineStart = true;
        }
        const how = e.status === 'declined' ? 'declined' : `exit ${e.exitCode ?? '?'}`;
        return out + this.line(`  → ${how}${e.durationMs !== undefined ? ` in ${formatDuration(e.durationMs)}` : ''}`);
      }
      case 'fileChange': {
        const files = e.changes.map((c) => `${c.kind} ${c.path}`).join(', ') || '(no files listed)';
        return this.line(e.status === 'started' ? `patch: ${files}` : `  → patch ${e.status}: ${files}`);
      }
      case 'diff':
        return this.line(`diff updated (${e.diff.split('\n').length} lines)`);
      case 'toolCallBegin':
        return this.line(`tool: ${e.server}.${e.tool}(${e.arguments === undefined ? '' : json(e.arguments)})`);
      case 'toolCallEnd': {
        const took = e.durationMs !== undefined ? ` in ${formatDuration(e.durationMs)}` : '';
        return this.line(e.error ? `  → ${e.server}.${e.tool} failed${took}: ${e.error}` : `  → ${e.server}.${e.tool} ok${took}: ${json(e.result)}`);
      }
      case 'tokenUsage':
        return this.line(`tokens: ${formatUsage(e.last ?? e.total, e.contextWindow ?? s.tokens.contextWindow)}${e.last ? ` · thread total ${withSeparators(e.total.total)}` : ' (thread total)'}`);
      case 'approvalRequest':
        return this.line(
          `approval needed (${e.kind}): ${e.kind === 'command' ? `$ ${e.command ?? '?'}` : (e.changes ?? []).map((c) => c.path).join(', ') || 'a patch'}${e.reason ? ` — ${e.reason}` : ''}`,
        );
      case 'approvalResolved':
        return this.line(`approval ${e.decision ?? 'resolved'}`);
      case 'warning':
        return this.line(`warning: ${e.message}`);
      case 'stalled':
        return this.line(`⚠ codex has printed nothing for ${e.seconds} s: it may be stuck, or busy with a long command. Kill stops it; the raw log has everything so far.`);
      case 'error':
        return this.line(`${e.willRetry ? 'retrying' : 'error'}: ${e.message}${e.kind ? ` [${e.kind}]` : ''}`);
      case 'turnEnd':
        return this.line(`── turn ${e.status}${e.error ? `: ${e.error}` : ''} ──`);
      case 'stderr':
        return '';
      case 'unknown':
        return this.line(`(unparsed output: ${e.reason}) ${clipText(e.raw, 300)}`);
      case 'sessionIdle':
        return this.line(`■ turn over · task ${s.status} (codex stays up for a follow-up)${s.lastMessage && s.status === 'completed' ? `\n\nFinal message:\n${s.lastMessage}` : ''}`);
      case 'stopping':
        return this.line(`■ stopping: ${e.reason}`);
      case 'prepared':
      case 'queued':
      case 'starting':
      case 'dequeued':
      case 'resumed':
      case 'sessionClosed':
      case 'abandoned':
        // The tree and the status bar show these; the output channel keeps to what codex did.
        return '';
      case 'exit': {
        const how = e.signal ? `killed by signal ${e.signal}` : `exited with code ${e.code}`;
        const lines = [`■ codex ${how} · task ${s.status}${s.endReason && s.status !== 'completed' ? ` (${s.endReason})` : ''}`];
        if (s.status === 'failed' && s.error) {
          lines.push(`  error: ${s.error.message}`);
        }
        if (s.lastMessage && s.status === 'completed') {
          lines.push('', 'Final message:', s.lastMessage);
        }
        if (s.tokens.total) {
          lines.push(`  tokens: ${formatUsage(s.tokens.total, s.tokens.contextWindow)}`);
        }
        return this.line(lines.join('\n'));
      }
    }
  }

  /** Ends an open stream with a newline, if one is open and its last line is unfinished. */
  private close(): string {
    if (this.open !== undefined) {
      this.open = undefined;
      return this.atLineStart ? '' : '\n';
    }
    return '';
  }

  private line(text: string): string {
    return `${this.close()}${text}\n`;
  }

  private stream(key: string, label: string, text: string, delta: boolean): string {
    if (delta) {
      this.streamed.add(key);
      if (this.open === key) {
        return text;
      }
      const prefix = this.close();
      this.open = key;
      return `${prefix}${label}${text}`;
    }
    // The completed item: already shown if its deltas streamed.
    if (this.streamed.has(key)) {
      this.streamed.delete(key);
      return this.open === key ? this.close() : '';
    }
    return this.line(`${label}${text}`);
  }
}
