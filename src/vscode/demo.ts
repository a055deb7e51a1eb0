import * as vscode from 'vscode';
import type { TaskRequest } from '../core/model/request';

/**
 * The offline demo of `npm start`: the real codex against our mock model, whose `[[scenario:…]]`
 * marker picks what the "model" does. Only offered when the demo set CODEX_TASKS_DEMO=1.
 */
export const DEMO_SCENARIOS: { label: string; detail: string; prompt: string; approvalPolicy: TaskRequest['approvalPolicy']; sandbox: TaskRequest['sandbox'] }[] = [
  { label: '$(terminal) Run shell commands', detail: 'Streams a command\'s output into the task\'s output channel', prompt: '[[scenario:shell]] Run a command and tell me what it printed', approvalPolicy: 'on-request', sandbox: 'workspace-write' },
  { label: '$(diff) Edit a file', detail: 'Applies a patch in the workspace; then Show Diff on the task', prompt: '[[scenario:patch]] Add a file to the workspace', approvalPolicy: 'on-request', sandbox: 'workspace-write' },
  { label: '$(bell-dot) Ask for approval', detail: 'Wants to run a command outside the sandbox: approve or deny it', prompt: '[[scenario:approval]] Create a file (needs your approval)', approvalPolicy: 'on-request', sandbox: 'workspace-write' },
  { label: '$(watch) A long task to kill', detail: 'Runs `sleep 30`: kill it from the tree and watch nothing survive', prompt: '[[scenario:sleep]] Take your time', approvalPolicy: 'on-request', sandbox: 'workspace-write' },
];

export const isDemo = (): boolean => process.env.CODEX_TASKS_DEMO === '1';

/** Picks a demo scenario (or takes its index) and returns the request to run. */
export async function pickDemo(index?: number): Promise<TaskRequest | undefined> {
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!cwd) {
    return undefined;
  }
  const s = typeof index === 'number' ? DEMO_SCENARIOS[index] : await vscode.window.showQuickPick(DEMO_SCENARIOS, { title: 'Codex Tasks: Run Demo Scenario (offline demo model)', ignoreFocusOut: true });
  return s ? { prompt: s.prompt, cwd, approvalPolicy: s.approvalPolicy, sandbox: s.sandbox } : undefined;
}
