import * as vscode from 'vscode';
import type { ApprovalDecision } from '../core/model/events';
import type { TaskChange, TaskManager } from '../core/engine/taskManager';
import type { PendingApproval, TaskState } from '../core/model/taskState';
import type { ErrorFunnel } from './errorFunnel';
import { SECTION } from './settings';
import { firstLine } from '../core/model/truncate';

export type NotifyMode = 'off' | 'whenUnfocused' | 'always';

export function notifyMode(): NotifyMode {
  const v = vscode.workspace.getConfiguration(SECTION).get<string>('notifications');
  return v === 'off' || v === 'always' ? v : 'whenUnfocused';
}

/** The text shown for an approval: the command, or the files of a patch. */
export function approvalSummary(a: PendingApproval): string {
  if (a.kind === 'command') {
    return `run \`${a.command ?? 'a command'}\``;
  }
  const files = (a.changes ?? []).map((c) => `${c.kind} ${c.path}`);
  return `apply a patch${files.length ? ` (${files.join(', ')})` : ''}`;
}

export const DECISIONS: Record<string, ApprovalDecision> = {
  Approve: 'accept',
  'Approve for Session': 'acceptForSession',
  Deny: 'decline',
};

/**
 * Notifications: one per approval request (always: a task is blocked until someone answers), and on
 * completed / failed tasks when the window is not focused or the setting says always. "Don't Show
 * Again" turns the end-of-task notifications off.
 */
export class Notifications implements vscode.Disposable {
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly manager: TaskManager,
    private readonly actions: { showOutput(t: TaskState): void; showDetails(t: TaskState, a: PendingApproval): Promise<void> },
    private readonly errors: ErrorFunnel,
  ) {
    this.sub = manager.onDidChangeTask((c) => this.onChange(c));
  }

  private onChange({ task, event }: TaskChange): void {
    if (event.type === 'approvalRequest') {
      const a = task.pendingApprovals.find((p) => p.requestId === event.requestId);
      if (a && notifyMode() !== 'off') {
        this.errors.watch('approval', this.askApproval(task, a));
      }
      return;
    }
    const ended = (event.type === 'exit' || event.type === 'sessionIdle') && (task.status === 'completed' || task.status === 'failed');
    if (ended && this.shouldNotify()) {
      this.errors.watch('notification', this.notifyEnd(task));
    }
  }

  private shouldNotify(): boolean {
    const mode = notifyMode();
    return mode === 'always' || (mode === 'whenUnfocused' && !vscode.window.state.focused);
  }

  private async askApproval(task: TaskState, a: PendingApproval): Promise<void> {
    const choice = await vscode.window.showWarningMessage(
      `Codex task ${task.id} wants to ${approvalSummary(a)}${a.reason ? ` — ${a.reason}` : ''}`,
      'Approve',
      'Approve for Session',
      'Deny',
      'Show Details',
    );
    if (!choice) {
      return;
    }
    if (choice === 'Show Details') {
      await this.actions.showDetails(task, a);
      return;
    }
    // Still pending? (It may have been answered from the tree, or the turn may have ended.)
    if (this.manager.get(task.id)?.pendingApprovals.some((p) => p.requestId === a.requestId)) {
      this.manager.answerApproval(task.id, a.requestId, DECISIONS[choice]);
    }
  }

  private async notifyEnd(task: TaskState): Promise<void> {
    const label = firstLine(task.request.prompt, 60);
    const msg = task.status === 'completed' ? `Codex task ${task.id} completed: ${label}` : `Codex task ${task.id} failed: ${task.error?.message.split('\n')[0] ?? label}`;
    const show = task.status === 'completed' ? vscode.window.showInformationMessage : vscode.window.showErrorMessage;
    const choice = await show(msg, 'Show Output', "Don't Show Again");
    if (choice === 'Show Output') {
      this.actions.showOutput(task);
    } else if (choice === "Don't Show Again") {
      await vscode.workspace.getConfiguration(SECTION).update('notifications', 'off', vscode.ConfigurationTarget.Global);
    }
  }

  dispose(): void {
    this.sub.dispose();
  }
}
