import path from 'node:path';
import * as vscode from 'vscode';
import { Coalescer } from './core/base/coalesce';
import { errorCode, errorMessage, type CodexNotFound } from './core/model/errors';
import { chooseTransport } from './core/process/codexLocator';
import { pruneRawLogs } from './core/io/retention';
import { TaskManager } from './core/engine/taskManager';
import { isFinal } from './core/model/taskState';
import type { CodexTasksApi } from './vscode/api';
import { ChannelMeter } from './vscode/channelMeter';
import { approvalDetails, COMMANDS, registerCommands, requireTrust, showText } from './vscode/commands';
import { ErrorFunnel } from './vscode/errorFunnel';
import { LanguageModelTools } from './vscode/lmTools';
import { isDemo } from './vscode/demo';
import { History } from './vscode/history';
import { Notifications } from './vscode/notifications';
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
      return { codexPath: s.codexPath, transport: s.transport, maxConcurrentTasks: s.maxConcurrentTasks, killGraceMs: s.killGraceMs, queueWhenFull: s.queueWhenFull, stallWarningSeconds: s.stallWarningSeconds };
    },
  });
  const historyFile = path.join(context.storageUri?.fsPath ?? path.join(storage, 'no-workspace'), 'history.json');
  const history = new History(context.workspaceState, manager, historyFile);
  // The history is written first, with running tasks as `interrupted (window closed)`, so that a
  // window going away cannot lose it; then the tasks are killed; then it is written as they ended.
  shutdown = async () => {
    history.save(true);
    await manager.shutdown('window closed');
    history.save();
  };

  const tree = new TaskTreeProvider(manager);
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  const testing = context.extensionMode === vscode.ExtensionMode.Test;
  const channels = testing ? new ChannelMeter() : undefined;
  const outputs = new OutputChannels(manager, channels && ((name) => channels.wrap(vscode.window.createOutputChannel(name))));
  const status = new TokenStatusBar(manager, COMMANDS.focus);
  const errors = new ErrorFunnel(log, COMMANDS.setCodexPath);
  context.subscriptions.push(tree, view, outputs, status, history, new LanguageModelTools(manager, outputs, errors));
  manager.restore(history.load());
  const notifications = new Notifications(manager, {
    showOutput: (t) => outputs.show(t, false),
    showDetails: async (t, a) => {
      await showText(approvalDetails(t, a), a.kind === 'command' ? 'shellscript' : 'diff');
    },
  }, errors);
  context.subscriptions.push(notifications);

  const updateBadge = () => {
    const running = manager.list().filter((t) => !isFinal(t.status));
    const approvals = running.filter((t) => t.status === 'needsApproval').length;
    view.badge = running.length > 0 ? { value: running.length, tooltip: `${running.length} running${approvals ? `, ${approvals} waiting for approval` : ''}` } : undefined;
    void vscode.commands.executeCommand('setContext', CONTEXT.hasTasks, manager.list().length > 0);
  };
  const badge = new Coalescer(updateBadge, 50);
  context.subscriptions.push(
    badge,
    manager.onDidChangeTask(() => badge.schedule()),
    manager.onDidAddTask(() => badge.schedule()),
    manager.onDidRemoveTask(() => badge.schedule()),
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
      const code = errorCode(e);
      log.warn(errorMessage(e));
      if (code === 'CodexNotFound') {
        log.info(`searched PATH: ${(e as CodexNotFound).searched.join(path.delimiter) || '(configured path only)'}`);
      }
      codexState = code === 'CodexNotFound' ? 'notFound' : code === 'UnsupportedVersion' ? 'unsupported' : 'error';
    }
    // The welcome view shows the matching message (manifest `viewsWelcome` when clauses).
    await vscode.commands.executeCommand('setContext', CONTEXT.codexState, codexState);
  };

  context.subscriptions.push(
    ...registerCommands({ manager, outputs, log, errors, recheckCodex }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SECTION}.codexPath`) || e.affectsConfiguration(`${SECTION}.transport`)) {
        void recheckCodex();
      }
    }),
    { dispose: () => void manager.dispose() },
  );

  void vscode.commands.executeCommand('setContext', CONTEXT.hasTasks, false);
  void vscode.commands.executeCommand('setContext', 'codexTasks.demo', isDemo());
  // Housekeeping that the first paint does not need runs right after activation, which stays short:
  // checking codex (spawns `codex --version`), reaping leftovers of an earlier window (a crash, a
  // killed extension host) that are still ours, and removing raw logs past the retention settings.
  const afterActivation = new Promise<void>((resolve) => setImmediate(resolve));
  void afterActivation.then(recheckCodex);
  const reaped = afterActivation.then(() => manager.reapLeftovers()).then((r) => {
    for (const p of r.reaped) {
      log.warn(`reaped leftover codex pid ${p.pid} of task ${p.taskId} from an earlier session`);
    }
    for (const p of r.foreign) {
      log.info(`recorded pid ${p.pid} (task ${p.taskId}) is another process now; left alone`);
    }
    return r;
  });
  reaped.catch((e: unknown) => log.error(`reaping leftovers of an earlier window: ${errorMessage(e)}`));
  void afterActivation.then(() => {
    const s0 = readSettings();
    const removed = pruneRawLogs(path.join(storage, 'raw-logs'), { maxAgeDays: s0.logRetentionDays, maxCount: s0.logRetentionCount }, new Set(manager.list().map((t) => t.id)));
    if (removed.length > 0) {
      log.info(`removed ${removed.length} raw log(s) past the retention settings`);
    }
  }).catch((e: unknown) => log.warn(`raw log retention: ${errorMessage(e)}`));

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
    testHooks: channels
      ? {
          tree,
          view,
          statusBar: status,
          outputs,
          channels,
          codexState: () => codexState,
          recheckCodex,
          log,
          reaped,
          storage,
          // A getter: the registry is part of the process control, loaded on first use.
          get registry() {
            return manager.registry;
          },
        }
      : undefined,
  };
  return api;
}

export function deactivate(): Promise<void> | undefined {
  return shutdown?.();
}
