import { readFileSync } from 'node:fs';
import type * as vscode from 'vscode';
import { Coalescer } from '../core/base/coalesce';
import type { TaskManager } from '../core/engine/taskManager';
import { writeFileAtomic } from '../core/io/atomicFile';
import { isFinal, type TaskState } from '../core/model/taskState';

const KEY = 'codexTasks.history';
const MAX = 200;

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
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly memento: vscode.Memento,
    private readonly manager: TaskManager,
    private readonly file: string,
  ) {
    this.sub = manager.onDidChangeTask(({ event }) => {
      // Saved when a task starts, ends or goes away, never per streamed delta.
      if (!event || event.type === 'spawned' || event.type === 'exit' || event.type === 'sessionIdle') {
        this.saveSoon.schedule();
      }
    });
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
      .map((t): TaskState => (isFinal(t.status) ? t : { ...t, status: 'interrupted', endReason: reason, endedAt: now, activity: undefined, active: {}, pendingApprovals: [] }))
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
    this.sub.dispose();
    this.saveSoon.dispose();
  }
}
