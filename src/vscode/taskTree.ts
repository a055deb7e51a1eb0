import * as vscode from 'vscode';
import { isFinal, type TaskState, type TaskStatus } from '../core/model/taskState';
import { firstLine } from '../core/model/truncate';
import { formatDuration, formatTokens, formatUsage } from '../core/text/format';
import { Coalescer } from '../core/base/coalesce';
import type { TaskManager } from '../core/engine/taskManager';

export const VIEW_ID = 'codexTasks.tasks';

export type TaskNode = { readonly kind: 'task'; readonly id: string } | { readonly kind: 'detail'; readonly taskId: string; readonly key: string };

const ICONS: Record<TaskStatus, [string, string?]> = {
  queued: ['clock'],
  starting: ['loading~spin'],
  running: ['loading~spin'],
  needsApproval: ['bell-dot', 'notificationsWarningIcon.foreground'],
  stopping: ['loading~spin', 'disabledForeground'],
  completed: ['check', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  killed: ['circle-slash'],
  interrupted: ['circle-slash', 'disabledForeground'],
};

const STATUS_TEXT: Record<TaskStatus, string> = {
  queued: 'queued',
  starting: 'starting…',
  running: 'running',
  needsApproval: 'needs approval',
  stopping: 'stopping…',
  completed: 'completed',
  failed: 'failed',
  killed: 'killed',
  interrupted: 'interrupted',
};

export function contextValueOf(s: TaskState): string {
  return isFinal(s.status) ? `task:done:${s.status}` : `task:${s.status}`;
}

export function iconOf(s: TaskState): vscode.ThemeIcon {
  const [id, color] = ICONS[s.status];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

export function descriptionOf(s: TaskState, now = Date.now()): string {
  const parts = [s.id];
  if (s.status === 'stopping') {
    parts.push('stopping…');
  } else if (s.status === 'queued') {
    parts.push('queued');
  }
  const start = s.startedAt ?? s.createdAt;
  const end = s.endedAt ?? now;
  if (s.startedAt) {
    parts.push(formatDuration(Math.max(0, end - start)).replace(/\.\d s$/, ' s'));
  }
  if (s.tokens.total) {
    parts.push(`${formatTokens(s.tokens.total.total)} tok`);
  }
  return parts.join(' · ');
}

function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

export function tooltipOf(s: TaskState): vscode.MarkdownString {
  const r = s.request;
  const rows: [string, string | undefined][] = [
    ['Status', STATUS_TEXT[s.status] + (s.endReason && s.status !== 'completed' ? ` (${s.endReason})` : '')],
    ['Activity', s.activity],
    ['cwd', r.cwd],
    ['Approval policy', r.approvalPolicy],
    ['Sandbox', r.sandbox],
    ['Transport', s.transport],
    ['Codex version', s.codexVersion],
    ['Model', s.model ?? r.model],
    ['Thread', s.threadId],
    ['PID', s.pid !== undefined ? String(s.pid) : undefined],
    ['Exit', s.exit ? (s.exit.signal ? `signal ${s.exit.signal}` : `code ${s.exit.code}`) : undefined],
    ['Tokens', s.tokens.total ? formatUsage(s.tokens.total, s.tokens.contextWindow) : undefined],
    ['Error', s.error?.message],
    ['Raw log', s.rawLogPath],
  ];
  const m = new vscode.MarkdownString(`**${md(firstLine(r.prompt, 120))}**\n\n`);
  m.appendMarkdown(rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `- ${k}: \`${String(v).replace(/`/g, "'")}\``).join('\n'));
  return m;
}

/** What a task row shows under it: its turns, what runs now, what waits for approval. */
export function detailsOf(s: TaskState): { key: string; label: string; description?: string; icon: string; tooltip?: string }[] {
  const out: { key: string; label: string; description?: string; icon: string; tooltip?: string }[] = [];
  s.turns.forEach((t, i) => {
    const took = t.endedAt ? formatDuration(t.endedAt - t.startedAt) : undefined;
    out.push({
      key: `turn:${i}`,
      label: `Turn ${i + 1}`,
      description: [t.status === 'running' ? 'running' : t.status, took].filter(Boolean).join(' · '),
      icon: t.status === 'running' ? 'loading~spin' : t.status === 'completed' ? 'pass' : t.status === 'failed' ? 'error' : 'circle-slash',
      tooltip: t.error,
    });
  });
  for (const [itemId, label] of Object.entries(s.active)) {
    out.push({ key: `active:${itemId}`, label, icon: label.startsWith('$') ? 'terminal' : label.startsWith('tool') ? 'tools' : 'edit' });
  }
  for (const a of s.pendingApprovals) {
    out.push({ key: `approval:${a.requestId}`, label: `Approve? ${a.kind === 'command' ? `$ ${a.command ?? ''}` : (a.changes ?? []).map((c) => c.path).join(', ') || 'patch'}`, icon: 'question', tooltip: a.reason });
  }
  if (!isFinal(s.status) && s.activity && Object.keys(s.active).length === 0 && s.pendingApprovals.length === 0) {
    out.push({ key: 'activity', label: s.activity, icon: /^Reconnecting/.test(s.activity) ? 'debug-disconnect' : 'pulse' });
  }
  if (isFinal(s.status) && s.error) {
    out.push({ key: 'error', label: s.error.message.split('\n')[0], icon: 'warning', tooltip: s.error.message });
  }
  if (isFinal(s.status) && s.lastMessage) {
    out.push({ key: 'message', label: firstLine(s.lastMessage, 120), icon: 'comment', tooltip: s.lastMessage });
  }
  return out;
}

/** The visible parts of a row: a change elsewhere (a streamed delta) does not refresh it. */
function rowSignature(s: TaskState): string {
  return JSON.stringify([s.status, s.activity, s.tokens.total?.total, s.turns.length, s.turns.at(-1)?.status, Object.keys(s.active), s.pendingApprovals.length, s.error?.message, s.pid, s.exit]);
}

/**
 * The sidebar tree: a projection of the engine's task states. Refreshes are per task and coalesced
 * (at most one per task per 100 ms), and only when something the row shows has changed.
 */
export class TaskTreeProvider implements vscode.TreeDataProvider<TaskNode>, vscode.Disposable {
  private readonly _onDidChangeTreeData = new vscode.EventEmitter<TaskNode | undefined>();
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;
  private readonly nodes = new Map<string, TaskNode>();
  private readonly signatures = new Map<string, string>();
  private readonly pending = new Set<string>();
  private readonly refresh = new Coalescer(() => this.flush(), 100);
  private readonly subs: { dispose(): void }[];
  private readonly lastState = new Map<string, TaskState>();

  constructor(private readonly manager: TaskManager) {
    this.subs = [
      manager.onDidChangeTask(({ task }) => this.changed(task)),
      manager.onDidAddTask(() => this.rootChanged()),
      manager.onDidRemoveTask((task) => {
        this.nodes.delete(task.id);
        this.signatures.delete(task.id);
        this.lastState.delete(task.id);
        this.rootChanged();
      }),
    ];
  }

  private rootChanged(): void {
    this.pending.add('');
    this.refresh.schedule();
  }

  private changed(task: TaskState): void {
    // Streamed output leaves the state as it was (the same object): nothing on the row can change.
    // A change after removal (an idle session's codex ending) has no row.
    if (this.lastState.get(task.id) === task || this.manager.get(task.id) === undefined) {
      return;
    }
    this.lastState.set(task.id, task);
    const sig = rowSignature(task);
    if (this.signatures.get(task.id) === sig && this.nodes.has(task.id)) {
      return;
    }
    this.signatures.set(task.id, sig);
    // A row not shown yet comes with the next refresh of the root.
    this.pending.add(this.nodes.has(task.id) ? task.id : '');
    this.refresh.schedule();
  }

  private flush(): void {
    if (this.pending.has('')) {
      this._onDidChangeTreeData.fire(undefined);
    } else {
      for (const id of this.pending) {
        const node = this.nodes.get(id);
        if (node) {
          this._onDidChangeTreeData.fire(node);
        }
      }
    }
    this.pending.clear();
  }

  node(id: string): TaskNode {
    let n = this.nodes.get(id);
    if (!n) {
      n = { kind: 'task', id };
      this.nodes.set(id, n);
    }
    return n;
  }

  getChildren(element?: TaskNode): TaskNode[] {
    if (!element) {
      return this.manager
        .list()
        .sort((a, b) => b.createdAt - a.createdAt)
        .map((t) => this.node(t.id));
    }
    if (element.kind === 'task') {
      const s = this.manager.get(element.id);
      return s ? detailsOf(s).map((d) => ({ kind: 'detail', taskId: s.id, key: d.key })) : [];
    }
    return [];
  }

  getParent(element: TaskNode): TaskNode | undefined {
    return element.kind === 'detail' ? this.node(element.taskId) : undefined;
  }

  getTreeItem(element: TaskNode): vscode.TreeItem {
    if (element.kind === 'task') {
      const s = this.manager.get(element.id);
      if (!s) {
        return new vscode.TreeItem('(removed)');
      }
      const hasChildren = detailsOf(s).length > 0;
      const item = new vscode.TreeItem(firstLine(s.request.prompt), hasChildren ? (isFinal(s.status) ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded) : vscode.TreeItemCollapsibleState.None);
      item.id = `task:${s.id}`;
      item.description = descriptionOf(s);
      item.iconPath = iconOf(s);
      item.tooltip = tooltipOf(s);
      item.contextValue = contextValueOf(s);
      item.accessibilityInformation = { label: `Codex task ${s.id}, ${STATUS_TEXT[s.status]}: ${firstLine(s.request.prompt)}` };
      return item;
    }
    const s = this.manager.get(element.taskId);
    const d = s ? detailsOf(s).find((x) => x.key === element.key) : undefined;
    const item = new vscode.TreeItem(d?.label ?? '');
    item.id = `detail:${element.taskId}:${element.key}`;
    item.description = d?.description;
    item.iconPath = new vscode.ThemeIcon(d?.icon ?? 'circle-small');
    item.tooltip = d?.tooltip;
    item.contextValue = `detail:${element.key.split(':')[0]}`;
    return item;
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
    this.refresh.dispose();
    this._onDidChangeTreeData.dispose();
  }
}
