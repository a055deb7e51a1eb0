import * as vscode from 'vscode';
import type { TaskEvent } from '../core/model/events';
import { Renderer, renderHeader } from '../core/text/render';
import { Coalescer } from '../core/base/coalesce';
import type { TaskManager } from '../core/engine/taskManager';
import type { TaskState } from '../core/model/taskState';

/** How much rendered text is kept per task in memory (the raw log on disk has everything). */
const MIRROR_LIMIT = 2 * 1024 * 1024;
const FLUSH_MS = 100;
/**
 * The most text one append hands to a channel. The editor re-processes every appended character (the
 * output document is synced into the extension host, where extensions watching documents see it), so
 * a burst is shown as a few small appends in a row rather than one big one. Far behind (a backlog
 * past BACKLOG_LIMIT), everything goes at once: memory stays bounded.
 */
const APPEND_MAX = 16 * 1024;
const BACKLOG_LIMIT = 4 * 1024 * 1024;

interface TaskOutput {
  readonly renderer: Renderer;
  channel?: vscode.OutputChannel;
  /** Rendered text kept for a channel created later and for readers of the API (bounded). */
  text: string;
  /** Characters dropped from the head of `text` to keep it bounded. */
  dropped: number;
  /** Text rendered since the last append to the channel. */
  pending: string;
}

/**
 * One output channel per task ("Codex Task <id>"), created lazily, streaming the rendered event log.
 * Appends are batched: at most one per task per 100 ms, never one per delta.
 */
export class OutputChannels implements vscode.Disposable {
  private readonly outputs = new Map<string, TaskOutput>();
  private readonly dirty = new Set<string>();
  private readonly flushSoon = new Coalescer(() => this.flush(), FLUSH_MS);
  private readonly subs: { dispose(): void }[];

  constructor(
    private readonly manager: TaskManager,
    /** Makes a task's channel (the test hooks count what is appended through it). */
    private readonly createChannel: (name: string) => vscode.OutputChannel = (name) => vscode.window.createOutputChannel(name),
  ) {
    this.subs = [
      manager.onDidChangeTask(({ task, event }) => this.onEvent(task, event)),
      manager.onDidRemoveTask((task) => this.drop(task.id)),
    ];
  }

  private output(task: TaskState): TaskOutput {
    let o = this.outputs.get(task.id);
    if (!o) {
      const text = renderHeader(task);
      o = { renderer: new Renderer(), text, dropped: 0, pending: '' };
      this.outputs.set(task.id, o);
    }
    return o;
  }

  private onEvent(task: TaskState, event: TaskEvent): void {
    if (!this.manager.get(task.id)) {
      return; // removed (an idle session's codex ending afterwards): its output is gone with it
    }
    const o = this.output(task);
    const text = o.renderer.render(event, task);
    if (!text) {
      return;
    }
    o.text += text;
    if (o.text.length > MIRROR_LIMIT) {
      const cut = o.text.length - MIRROR_LIMIT / 2;
      o.dropped += cut;
      o.text = o.text.slice(cut);
    }
    if (o.channel) {
      o.pending += text;
      this.dirty.add(task.id);
      this.flushSoon.schedule();
    }
  }

  /** Appends what is pending (a piece per task; everything when `all`). */
  private flush(all = false): void {
    for (const id of [...this.dirty]) {
      const o = this.outputs.get(id);
      if (!o?.channel || !o.pending) {
        this.dirty.delete(id);
        continue;
      }
      let piece = o.pending;
      if (!all && piece.length > APPEND_MAX && piece.length <= BACKLOG_LIMIT) {
        // Cut after a newline when there is one in the second half of the piece.
        const nl = piece.lastIndexOf('\n', APPEND_MAX - 1);
        piece = piece.slice(0, nl >= APPEND_MAX / 2 ? nl + 1 : APPEND_MAX);
      }
      o.channel.append(piece);
      o.pending = o.pending.slice(piece.length);
      if (!o.pending) {
        this.dirty.delete(id);
      }
    }
    if (this.dirty.size > 0) {
      this.flushSoon.schedule();
    }
  }

  /** The rendered output so far (what the channel shows). */
  text(id: string): string {
    const o = this.outputs.get(id);
    const task = this.manager.get(id);
    if (!o) {
      return task ? renderHeader(task) : '';
    }
    return o.dropped > 0 ? `… (${o.dropped} earlier characters are in the raw log)\n${o.text}` : o.text;
  }

  /**
   * Output after an absolute character cursor (the `BashOutput` model: only what is new). `next` is
   * the cursor for the following call; `missed` counts characters no longer kept in memory.
   */
  since(id: string, cursor: number): { text: string; start: number; next: number; missed: number } {
    const task = this.manager.get(id);
    const o = this.outputs.get(id);
    const all = o ? o.text : task ? renderHeader(task) : '';
    const dropped = o?.dropped ?? 0;
    const start = Math.max(cursor, dropped);
    return { text: all.slice(start - dropped), start, next: dropped + all.length, missed: Math.max(0, dropped - cursor) };
  }

  /** Creates the task's channel on first use and reveals it. */
  show(task: TaskState, preserveFocus = true): vscode.OutputChannel {
    const o = this.output(task);
    if (!o.channel) {
      o.channel = this.createChannel(`Codex Task ${task.id}`);
      o.channel.append(this.text(task.id));
    }
    o.channel.show(preserveFocus);
    return o.channel;
  }

  /** Whether a channel exists for the task. */
  hasChannel(id: string): boolean {
    return this.outputs.get(id)?.channel !== undefined;
  }

  drop(id: string): void {
    const o = this.outputs.get(id);
    o?.channel?.dispose();
    this.outputs.delete(id);
    this.dirty.delete(id);
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
    this.flushSoon.dispose();
    this.flush(true);
    for (const o of this.outputs.values()) {
      o.channel?.dispose();
    }
    this.outputs.clear();
  }
}
