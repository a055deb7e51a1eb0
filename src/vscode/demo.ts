import * as vscode from 'vscode';
import type { TaskRequest } from '../core/model/request';
import { DEMO_SCENARIOS } from './demoScenarios';

/**
 * The offline demo of `npm start`: the real codex against our demo model, which knows what to do for
 * each demo prompt (demoScenarios.ts). Only offered when the demo set CODEX_TASKS_DEMO=1.
 */
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
