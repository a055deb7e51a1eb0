import * as vscode from 'vscode';
import { isFinal, type TaskState } from '../core/model/taskState';
import { formatTokens, formatUsage } from '../core/text/format';
import { Coalescer } from '../core/base/coalesce';
import type { TaskManager } from '../core/engine/taskManager';
import { firstLine } from '../core/model/truncate';

/** How long the last task's total stays after the last task ends. */
const LINGER_MS = 10_000;

/**
 * One left-aligned item while tasks run: `$(loading~spin) Codex 2 · 41.2k tok`, a tooltip with each
 * task's tokens, and a click that reveals the tree. After the last task ends it shows that task's
 * total briefly, then hides (discreet background progress, per the status bar UX guide).
 */
export class TokenStatusBar implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  private readonly subs: { dispose(): void }[];
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly refresh = new Coalescer(() => this.update(), 100);
  private wasRunning = false;

  constructor(
    private readonly manager: TaskManager,
    focusCommand: string,
  ) {
    this.item = vscode.window.createStatusBarItem('codexTasks.tokens', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Codex Tasks';
    this.item.command = focusCommand;
    const refresh = () => this.refresh.schedule();
    this.subs = [manager.onDidChangeTask(refresh), manager.onDidAddTask(refresh), manager.onDidRemoveTask(refresh)];
  }

  update(): void {
    const running = this.manager.list().filter((t) => !isFinal(t.status));
    if (running.length > 0) {
      if (this.lingerTimer) {
        clearTimeout(this.lingerTimer);
        this.lingerTimer = undefined;
      }
      this.wasRunning = true;
      const tokens = running.reduce((sum, t) => sum + (t.tokens.total?.total ?? 0), 0);
      const approvals = running.filter((t) => t.status === 'needsApproval').length;
      this.item.text = `$(loading~spin) Codex ${running.length} · ${formatTokens(tokens)} tok${approvals ? ` · $(bell-dot) ${approvals}` : ''}`;
      this.item.tooltip = tooltip(running, 'Running Codex tasks');
      this.item.accessibilityInformation = { label: `${running.length} Codex tasks running, ${tokens} tokens` };
      this.item.show();
      return;
    }
    if (this.wasRunning) {
      this.wasRunning = false;
      const last = this.manager
        .list()
        .filter((t) => t.endedAt !== undefined)
        .sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0))[0];
      if (last) {
        this.item.text = `$(${last.status === 'completed' ? 'check' : last.status === 'failed' ? 'error' : 'circle-slash'}) Codex ${last.id} · ${formatTokens(last.tokens.total?.total ?? 0)} tok`;
        this.item.tooltip = tooltip([last], 'Last Codex task');
        this.item.show();
        this.lingerTimer = setTimeout(() => {
          this.lingerTimer = undefined;
          this.item.hide();
        }, LINGER_MS);
        return;
      }
    }
    if (!this.lingerTimer) {
      this.item.hide();
    }
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
    clearTimeout(this.lingerTimer);
    this.refresh.dispose();
    this.item.dispose();
  }
}

function tooltip(tasks: readonly TaskState[], title: string): vscode.MarkdownString {
  const m = new vscode.MarkdownString(`**${title}**\n\n`);
  m.supportThemeIcons = true;
  for (const t of tasks) {
    const usage = t.tokens.total ? formatUsage(t.tokens.total, t.tokens.contextWindow) : 'no tokens yet';
    m.appendMarkdown(`- \`${t.id}\` ${firstLine(t.request.prompt, 50).replace(/[\\`*_[\]]/g, '')} — ${t.status}: ${usage}\n`);
  }
  m.appendMarkdown('\nClick to show the Codex Tasks view.');
  return m;
}
