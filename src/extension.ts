import path from 'node:path';
import * as vscode from 'vscode';
import { CodexNotFound, errorMessage, isCodexTasksError } from './core/errors';
import { chooseTransport } from './core/codexLocator';
import { TaskManager } from './core/taskManager';
import { isFinal } from './core/taskState';
import type { CodexTasksApi } from './vscode/api';
import { COMMANDS, registerCommands, requireTrust } from './vscode/commands';
import { LanguageModelTools } from './vscode/lmTools';
import { OutputChannels } from './vscode/outputChannels';
import { readSettings, SECTION } from './vscode/settings';
import { TokenStatusBar } from './vscode/statusBar';
import { TaskTreeProvider, VIEW_ID } from './vscode/taskTree';

/** Context keys the manifest's `when` clauses read. */
export const CONTEXT = { codexState: 'codexTasks.codexState', hasTasks: 'codexTasks.hasTasks' } as const;

let shutdown: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): CodexTasksApi {
  const log = vscode.window.createOutputChannel('Codex Tasks', { log: true });
  context.subscriptions.push(log);
  const storage = context.globalStorageUri.fsPath;
  const manager = new TaskManager({
    logDir: path.join(storage, 'raw-logs'),
    stateDir: path.join(storage, 'state'),
    logger: log,
    settings: () => {
      const s = readSettings();
      return { codexPath: s.codexPath, transport: s.transport, maxConcurrentTasks: s.maxConcurrentTasks, killGraceMs: s.killGraceMs };
    },
  });
  shutdown = () => manager.shutdown('window closed');

  const tree = new TaskTreeProvider(manager);
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const outputs = new OutputChannels(manager);
  const status = new TokenStatusBar(manager, COMMANDS.focus);
  context.subscriptions.push(tree, view, outputs, status, new LanguageModelTools(manager, outputs));

  const updateBadge = () => {
    const running = manager.list().filter((t) => !isFinal(t.status));
    const approvals = running.filter((t) => t.status === 'needsApproval').length;
    view.badge = running.length > 0 ? { value: running.length, tooltip: `${running.length} running${approvals ? `, ${approvals} waiting for approval` : ''}` } : undefined;
    void vscode.commands.executeCommand('setContext', CONTEXT.hasTasks, manager.list().length > 0);
  };
  let badgeTimer: NodeJS.Timeout | undefined;
  context.subscriptions.push(
    manager.onDidChangeTask(() => {
      badgeTimer ??= setTimeout(() => {
        badgeTimer = undefined;
        updateBadge();
      }, 50);
    }),
  );

  let codexState = 'unknown';
  const recheckCodex = async () => {
    manager.forgetInstallations();
    try {
      const install = await manager.locate();
      // Also the version: the view says "unsupported" before anyone tries to launch.
      chooseTransport(install.version, readSettings().transport);
      log.info(`codex ${install.version} at ${install.executable}${install.viaNpmWrapper ? ` (native binary behind ${install.configuredPath})` : ''}`);
      codexState = 'ok';
    } catch (e) {
      const code = isCodexTasksError(e) ? e.code : 'error';
      log.warn(errorMessage(e));
      if (e instanceof CodexNotFound) {
        log.info(`searched PATH: ${e.searched.join(path.delimiter) || '(configured path only)'}`);
      }
      codexState = code === 'CodexNotFound' ? 'notFound' : code === 'UnsupportedVersion' ? 'unsupported' : 'error';
    }
    // The welcome view shows the matching message (manifest `viewsWelcome` when clauses).
    await vscode.commands.executeCommand('setContext', CONTEXT.codexState, codexState);
  };

  context.subscriptions.push(
    ...registerCommands({ manager, outputs, log, recheckCodex }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.codexPath`) || e.affectsConfiguration(`${SECTION}.transport`)) {
        void recheckCodex();
      }
    }),
    { dispose: () => void manager.dispose() },
  );

  void vscode.commands.executeCommand('setContext', CONTEXT.hasTasks, false);
  void recheckCodex();
  // Leftovers of an earlier window (crash, killed extension host) that are still ours are stopped.
  void manager.reapLeftovers().then((r) => {
    for (const p of r.reaped) {
      log.warn(`reaped leftover codex pid ${p.pid} of task ${p.taskId} from an earlier session`);
    }
  });

  const api: CodexTasksApi = {
    get tasks() {
      return manager.list();
    },
    onDidChangeTask: manager.onDidChangeTask as vscode.Event<Parameters<Parameters<typeof manager.onDidChangeTask>[0]>[0]>,
    start: async (request) => {
      requireTrust();
      return manager.start(request);
    },
    kill: (id) => manager.kill(id),
    getOutput: (id) => outputs.text(id),
    testHooks: context.extensionMode === vscode.ExtensionMode.Test ? { tree, view, statusBar: status, outputs, codexState: () => codexState, recheckCodex, log } : undefined,
  };
  return api;
}

export function deactivate(): Promise<void> | undefined {
  return shutdown?.();
}
