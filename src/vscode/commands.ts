import * as vscode from 'vscode';
import { RestrictedMode } from '../core/model/errors';
import { parseRequestFile, type TaskRequest } from '../core/model/request';
import type { TaskManager } from '../core/engine/taskManager';
import { isFinal, type TaskState } from '../core/model/taskState';
import { pickDemo } from './demo';
import { askForRequest, confirmRisky } from './launch';
import type { ErrorFunnel } from './errorFunnel';
import type { OutputChannels } from './outputChannels';
import { readSettings, SECTION } from './settings';
import { VIEW_ID, type TaskNode } from './taskTree';

export const COMMANDS = {
  newTask: 'codexTasks.newTask',
  runRequestFile: 'codexTasks.runRequestFile',
  runSelection: 'codexTasks.runSelection',
  kill: 'codexTasks.kill',
  killAll: 'codexTasks.killAll',
  clearFinished: 'codexTasks.clearFinished',
  showOutput: 'codexTasks.showOutput',
  openRawLog: 'codexTasks.openRawLog',
  copyTaskId: 'codexTasks.copyTaskId',
  remove: 'codexTasks.remove',
  setCodexPath: 'codexTasks.setCodexPath',
  showLog: 'codexTasks.showLog',
  approve: 'codexTasks.approve',
  approveForSession: 'codexTasks.approveForSession',
  deny: 'codexTasks.deny',
  showApprovalDetails: 'codexTasks.showApprovalDetails',
  followUp: 'codexTasks.followUp',
  rerun: 'codexTasks.rerun',
  showDiff: 'codexTasks.showDiff',
  runDemo: 'codexTasks.runDemo',
  focus: `${VIEW_ID}.focus`,
} as const;

export interface CommandDeps {
  readonly manager: TaskManager;
  readonly outputs: OutputChannels;
  readonly log: vscode.LogOutputChannel;
  /** Where every command's failure goes. */
  readonly errors: ErrorFunnel;
  /** Re-checks codex after a settings change (updates the welcome view). */
  readonly recheckCodex: () => Promise<void>;
}

/** Refuses to launch in Restricted Mode: hidden in the UI, and refused here too (commands can be invoked directly). */
export function requireTrust(): void {
  if (!vscode.workspace.isTrusted) {
    throw new RestrictedMode();
  }
}

/** The task a command is about: a tree node, a task id, or (from the palette) a pick. */
async function resolveTask(manager: TaskManager, arg: unknown, filter: (t: TaskState) => boolean, placeHolder: string): Promise<TaskState | undefined> {
  if (typeof arg === 'string') {
    return manager.get(arg);
  }
  if (arg && typeof arg === 'object') {
    const id = (arg as TaskNode).kind === 'task' ? (arg as { id: string }).id : (arg as { taskId?: string }).taskId ?? (arg as { id?: string }).id;
    if (typeof id === 'string') {
      return manager.get(id);
    }
  }
  const candidates = manager.list().filter(filter);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('Codex Tasks: no matching task.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((t) => ({ label: t.request.prompt.split('\n')[0], description: `${t.id} · ${t.status}`, id: t.id })),
    { placeHolder },
  );
  return picked ? manager.get(picked.id) : undefined;
}

/** Opens text in a read-only-looking untitled editor (details of an approval, a diff). */
export async function showText(content: string, language: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument({ content, language });
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc;
}

/** The details of a pending approval: the command and where it runs, or the patch's files and diffs. */
export function approvalDetails(t: TaskState, a: TaskState['pendingApprovals'][number]): string {
  const head = [`# Codex task ${t.id} asks for approval`, `# ${a.reason ?? ''}`.trimEnd()];
  if (a.kind === 'command') {
    return [...head, `# in ${a.cwd ?? t.request.cwd}`, '', a.command ?? ''].join('\n');
  }
  return [...head, '', ...(a.changes ?? []).map((c) => (c.diff ? c.diff : `${c.kind} ${c.path}`))].join('\n');
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const { manager, outputs, log } = deps;
  /** Every command goes through the one error funnel (errorFunnel.ts). */
  const cmd = (id: string, fn: (...args: unknown[]) => unknown) => deps.errors.command(id, fn);

  const launch = async (req: TaskRequest, opts: { confirm: boolean }) => {
    requireTrust();
    if (opts.confirm && !(await confirmRisky(req))) {
      return undefined;
    }
    const task = await manager.start(req);
    log.info(`started task ${task.id} (${task.transport}) in ${req.cwd}`);
    void vscode.window.setStatusBarMessage(`$(loading~spin) Codex task ${task.id} started`, 3000);
    return task;
  };

  /** The active editor's selection (or file) as context for a new task. */
  const selectionSeed = () => {
    const ed = vscode.window.activeTextEditor;
    if (!ed || ed.document.uri.scheme !== 'file') {
      return {};
    }
    const folder = vscode.workspace.getWorkspaceFolder(ed.document.uri);
    const rel = vscode.workspace.asRelativePath(ed.document.uri, false);
    const sel = ed.selection;
    if (sel.isEmpty) {
      return { cwd: folder?.uri.fsPath, attachment: { label: rel, text: `(File: ${rel})` } };
    }
    const where = `${rel}:${sel.start.line + 1}-${sel.end.line + 1}`;
    const text = ed.document.getText(sel);
    return { cwd: folder?.uri.fsPath, attachment: { label: `The selection in ${where}`, text: `In ${where}:\n\`\`\`${ed.document.languageId}\n${text}\n\`\`\`` } };
  };

  return [
    cmd(COMMANDS.newTask, async (arg?: unknown) => {
      requireTrust();
      // A full request object (other extensions, tests) skips the questions but not the checks.
      if (arg && typeof arg === 'object' && 'prompt' in arg) {
        const { skipConfirmation, ...req } = arg as TaskRequest & { skipConfirmation?: boolean };
        return launch(req, { confirm: !skipConfirmation });
      }
      const req = await askForRequest(readSettings(), selectionSeed());
      return req ? launch(req, { confirm: true }) : undefined;
    }),
    cmd(COMMANDS.runSelection, async () => {
      requireTrust();
      const req = await askForRequest(readSettings(), selectionSeed());
      return req ? launch(req, { confirm: true }) : undefined;
    }),
    cmd(COMMANDS.runRequestFile, async (arg?: unknown, opts?: unknown) => {
      requireTrust();
      let uri = arg instanceof vscode.Uri ? arg : undefined;
      if (!uri) {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Request files': ['json'] }, title: 'Run a Codex request file' });
        uri = picked?.[0];
      }
      if (!uri) {
        return undefined;
      }
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      const s = readSettings();
      const folder = vscode.workspace.getWorkspaceFolder(uri) ?? vscode.workspace.workspaceFolders?.[0];
      const req = parseRequestFile(text, { cwd: folder?.uri.fsPath, approvalPolicy: s.defaultApprovalPolicy, sandbox: s.defaultSandbox }, vscode.workspace.asRelativePath(uri));
      return launch(req, { confirm: !(opts && typeof opts === 'object' && (opts as { skipConfirmation?: boolean }).skipConfirmation) });
    }),
    cmd(COMMANDS.kill, async (arg?: unknown) => {
      const t = await resolveTask(manager, arg, (x) => !isFinal(x.status), 'Kill which Codex task?');
      return t ? manager.kill(t.id) : undefined;
    }),
    cmd(COMMANDS.killAll, async (arg?: unknown) => {
      const live = manager.list().filter((t) => !isFinal(t.status));
      if (live.length === 0) {
        void vscode.window.showInformationMessage('Codex Tasks: no task is running.');
        return [];
      }
      const skip = arg && typeof arg === 'object' && (arg as { skipConfirmation?: boolean }).skipConfirmation;
      if (!skip) {
        const ok = await vscode.window.showWarningMessage(`Kill ${live.length} running Codex task${live.length > 1 ? 's' : ''}?`, { modal: true, detail: 'Each task is stopped with everything it started.' }, 'Kill All');
        if (ok !== 'Kill All') {
          return undefined;
        }
      }
      return manager.killAll();
    }),
    cmd(COMMANDS.clearFinished, () => {
      const done = manager.list().filter((t) => isFinal(t.status));
      for (const t of done) {
        manager.remove(t.id);
      }
      return done.length;
    }),
    cmd(COMMANDS.showOutput, async (arg?: unknown) => {
      const t = await resolveTask(manager, arg, () => true, 'Show the output of which task?');
      if (t) {
        outputs.show(t, false);
      }
      return t?.id;
    }),
    cmd(COMMANDS.openRawLog, async (arg?: unknown) => {
      const t = await resolveTask(manager, arg, (x) => x.rawLogPath !== undefined, 'Open the raw log of which task?');
      if (t?.rawLogPath) {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(t.rawLogPath));
        await vscode.window.showTextDocument(doc, { preview: true });
        return doc.uri;
      }
      return undefined;
    }),
    cmd(COMMANDS.copyTaskId, async (arg?: unknown) => {
      const t = await resolveTask(manager, arg, () => true, 'Copy the id of which task?');
      if (t) {
        await vscode.env.clipboard.writeText(t.id);
        void vscode.window.setStatusBarMessage(`Copied task id ${t.id}`, 2000);
      }
      return t?.id;
    }),
    cmd(COMMANDS.remove, async (arg?: unknown) => {
      const t = await resolveTask(manager, arg, (x) => isFinal(x.status), 'Remove which finished task?');
      if (t) {
        manager.remove(t.id);
      }
      return t?.id;
    }),
    cmd(COMMANDS.setCodexPath, async () => {
      const current = readSettings().codexPath ?? '';
      const v = await vscode.window.showInputBox({
        title: 'Codex Tasks: Set Codex Path',
        prompt: 'Absolute path of the codex executable (empty: look it up on PATH). Saved in your user settings.',
        value: current,
        ignoreFocusOut: true,
      });
      if (v === undefined) {
        return undefined;
      }
      await vscode.workspace.getConfiguration(SECTION).update('codexPath', v.trim() || undefined, vscode.ConfigurationTarget.Global);
      await deps.recheckCodex();
      return v.trim();
    }),
    cmd(COMMANDS.showLog, () => log.show()),
    ...(
      [
        [COMMANDS.approve, 'accept'],
        [COMMANDS.approveForSession, 'acceptForSession'],
        [COMMANDS.deny, 'decline'],
      ] as const
    ).map(([id, decision]) =>
      cmd(id, async (arg?: unknown) => {
        const t = await resolveTask(manager, arg, (x) => x.pendingApprovals.length > 0, 'Answer the approval of which task?');
        const a = t?.pendingApprovals[0];
        if (!t || !a) {
          return undefined;
        }
        manager.answerApproval(t.id, a.requestId, decision);
        log.info(`task ${t.id}: approval ${a.requestId} answered ${decision}`);
        return decision;
      }),
    ),
    cmd(COMMANDS.showApprovalDetails, async (arg?: unknown) => {
      const t = await resolveTask(manager, arg, (x) => x.pendingApprovals.length > 0, 'Show the approval of which task?');
      const a = t?.pendingApprovals[0];
      return t && a ? showText(approvalDetails(t, a), a.kind === 'command' ? 'shellscript' : 'diff') : undefined;
    }),
    cmd(COMMANDS.followUp, async (arg?: unknown, promptArg?: unknown) => {
      requireTrust();
      const t = await resolveTask(manager, arg, (x) => isFinal(x.status) && x.threadId !== undefined, 'Follow up on which task?');
      if (!t) {
        return undefined;
      }
      const prompt =
        typeof promptArg === 'string'
          ? promptArg
          : await vscode.window.showInputBox({ title: `Follow up on Codex task ${t.id}`, prompt: 'The next turn on the same thread', placeHolder: 'e.g. Now add tests for it', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'The prompt must not be empty') });
      if (!prompt) {
        return undefined;
      }
      return manager.followUp(t.id, prompt);
    }),
    cmd(COMMANDS.rerun, async (arg?: unknown) => {
      const t = await resolveTask(manager, arg, (x) => isFinal(x.status), 'Rerun which task?');
      return t ? launch(t.request, { confirm: true }) : undefined;
    }),
    cmd(COMMANDS.runDemo, async (arg?: unknown) => {
      requireTrust();
      const req = await pickDemo(typeof arg === 'number' ? arg : undefined);
      return req ? launch(req, { confirm: true }) : undefined;
    }),
    cmd(COMMANDS.showDiff, async (arg?: unknown) => {
      const t = await resolveTask(manager, arg, (x) => x.latestDiff !== undefined, 'Show the diff of which task?');
      if (!t) {
        return undefined;
      }
      const diff = t.latestDiff;
      if (!diff) {
        void vscode.window.showInformationMessage(`Codex task ${t.id} has not changed any file.`);
        return undefined;
      }
      return showText(diff, 'diff');
    }),
  ];
}
