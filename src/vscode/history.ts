import { readFileSync } from 'node:fs';
import type * as vscode from 'vscode';
import { Coalescer } from '../core/base/coalesce';
import type { TaskManager } from '../core/engine/taskManager';
import { writeFileAtomic } from '../core/io/atomicFile';
import { stamp, type TaskEvent } from '../core/model/events';
import { isFinal, reduce, type TaskState } from '../core/model/taskState';

const KEY = 'codexTasks.history';
const MAX = 200;
/** The events after which the history is written: a task's start and end, the engine's own changes. */
const SAVED_ON: ReadonlySet<TaskEvent['type']> = new Set(['prepared', 'queued', 'starting', 'spawned', 'dequeued', 'resumed', 'exit', 'sessionIdle', 'sessionClosed']);

/**
 * Finished tasks (state, tokens, raw log path) kept per workspace, so that they survive a window
 * reload. Written to the workspace storage folder by the extension host itself (synchronously, so a
 * closing window cannot lose it) and mirrored in `workspaceState`. Tasks still running when the window
 * closes are recorded as `interrupted (window closed)` before `deactivate` kills them. A task is
 * written as soon as it starts, as it would stand if the extension host died then (interrupted): after
 * a crash or a SIGKILL of the extension host, the next window shows it interrupted, and the PID
 * registry reaps what it left running.
 */
export class History implements vscode.Disposable {
  private readonly saveSoon = new Coalescer(() => this.save(), 200);
  private readonly subs: vscode.Disposable[];

  constructor(
    private readonly memento: vscode.Memento,
    private readonly manager: TaskManager,
    private readonly file: string,
  ) {
    // Saved when a task is listed, starts, ends or goes away, never per streamed delta.
    this.subs = [
      manager.onDidChangeTask(({ event }) => {
        if (SAVED_ON.has(event.type)) {
          this.saveSoon.schedule();
        }
      }),
      manager.onDidAddTask(() => this.saveSoon.schedule()),
      manager.onDidRemoveTask(() => this.saveSoon.schedule()),
    ];
  }

  load(): TaskState[] {
    let v: unknown;
    try {
      v = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      v = this.memento.get<unknown>(KEY);
    }
    return Array.isArray(v) ? (v as TaskState[]).filter((t) => t && typeof t.id === 'string' && isFinal(t.status)) : [];
  }

  /**
   * Saves every task; those still running as they will stand if this extension host goes away now:
   * interrupted, because the window closed (`closing`) or because the extension host stopped.
   */
  save(closing = false): void {
    const now = Date.now();
    const reason = closing ? 'window closed' : 'the extension host stopped while it ran';
    const tasks = this.manager
      .list()
      .map((t) => reduce(t, stamp({ type: 'abandoned', reason }, now)))
      .filter((t) => isFinal(t.status))
      .sort((a, b) => (b.endedAt ?? b.createdAt) - (a.endedAt ?? a.createdAt))
      .slice(0, MAX);
    try {
      writeFileAtomic(this.file, JSON.stringify(tasks));
    } catch {
      // The memento below still has it.
    }
    void this.memento.update(KEY, tasks);
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
    this.saveSoon.dispose();
  }
}
