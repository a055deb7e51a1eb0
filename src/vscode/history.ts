import type * as vscode from 'vscode';
import type { TaskManager } from '../core/taskManager';
import { isFinal, type TaskState } from '../core/taskState';

const KEY = 'codexTasks.history';
const MAX = 200;

/**
 * Finished tasks (state, tokens, raw log path) kept in workspace state, so that they survive a window
 * reload. Tasks still running when the window closes are killed by `deactivate` first and are saved
 * as `interrupted (window closed)`.
 */
export class History implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly memento: vscode.Memento,
    private readonly manager: TaskManager,
  ) {
    this.sub = manager.onDidChangeTask(({ event }) => {
      // Saved when a task ends or goes away, never per streamed delta.
      if (!event || event.type === 'exit' || event.type === 'sessionIdle') {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          void this.save();
        }, 200);
      }
    });
  }

  load(): TaskState[] {
    const v = this.memento.get<unknown>(KEY);
    return Array.isArray(v) ? (v as TaskState[]).filter((t) => t && typeof t.id === 'string' && isFinal(t.status)) : [];
  }

  save(): Thenable<void> {
    const finished = this.manager
      .list()
      .filter((t) => isFinal(t.status))
      .sort((a, b) => (b.endedAt ?? b.createdAt) - (a.endedAt ?? a.createdAt))
      .slice(0, MAX);
    return this.memento.update(KEY, finished);
  }

  dispose(): void {
    this.sub.dispose();
    if (this.timer) {
      clearTimeout(this.timer);
    }
  }
}
