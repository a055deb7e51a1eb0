import * as vscode from 'vscode';
import { InvalidState } from '../core/model/errors';
import { APPROVAL_POLICIES, SANDBOX_MODES, type ApprovalPolicy, type SandboxMode, type TaskRequest } from '../core/model/request';
import type { Settings } from './settings';

const POLICY_DETAIL: Record<ApprovalPolicy, string> = {
  untrusted: 'Ask before running any command that is not known to be safe',
  'on-request': 'The model decides when to ask (escalations, writes outside the sandbox)',
  never: 'Never ask: failures are returned to the model',
};

const SANDBOX_DETAIL: Record<SandboxMode, string> = {
  'read-only': 'Commands can read files but not write them',
  'workspace-write': 'Commands can write inside the workspace folder (and /tmp)',
  'danger-full-access': 'No sandbox: commands can do anything your user can',
};

class Back extends Error {}

/** One step of the multi-step launch: resolves with the value, or throws Back, or undefined (cancel). */
function pick<T extends string>(title: string, step: number, total: number, items: { value: T; label: string; detail: string }[], current: T): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { value: T }>();
    qp.title = title;
    qp.step = step;
    qp.totalSteps = total;
    qp.items = items.map((i) => ({ ...i, description: i.value === current ? '(default)' : undefined }));
    qp.activeItems = qp.items.filter((i) => i.value === current);
    qp.buttons = step > 1 ? [vscode.QuickInputButtons.Back] : [];
    qp.ignoreFocusOut = true;
    let done = false;
    qp.onDidTriggerButton(() => {
      done = true;
      qp.hide();
      reject(new Back());
    });
    qp.onDidAccept(() => {
      done = true;
      const v = qp.selectedItems[0]?.value;
      qp.hide();
      resolve(v);
    });
    qp.onDidHide(() => {
      qp.dispose();
      if (!done) {
        resolve(undefined);
      }
    });
    qp.show();
  });
}

function input(title: string, step: number, total: number, value: string, attached?: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const ib = vscode.window.createInputBox();
    ib.title = title;
    ib.step = step;
    ib.totalSteps = total;
    ib.value = value;
    ib.prompt = attached ? `What should Codex do? ${attached} is attached below your prompt. (Enter to continue)` : 'What should Codex do? (Enter to continue)';
    ib.placeholder = 'e.g. Add unit tests for src/parser.ts and make them pass';
    ib.buttons = step > 1 ? [vscode.QuickInputButtons.Back] : [];
    ib.ignoreFocusOut = true;
    let done = false;
    ib.onDidChangeValue((v) => {
      ib.validationMessage = v.trim() ? undefined : 'The prompt must not be empty';
    });
    ib.onDidTriggerButton(() => {
      done = true;
      ib.hide();
      reject(new Back());
    });
    ib.onDidAccept(() => {
      if (!ib.value.trim()) {
        ib.validationMessage = 'The prompt must not be empty';
        return;
      }
      done = true;
      const v = ib.value;
      ib.hide();
      resolve(v);
    });
    ib.onDidHide(() => {
      ib.dispose();
      if (!done) {
        resolve(undefined);
      }
    });
    ib.show();
  });
}

export interface LaunchSeed {
  readonly prompt?: string;
  readonly cwd?: string;
  /** Context appended below the typed prompt (the editor selection): an input box is one line. */
  readonly attachment?: { readonly label: string; readonly text: string };
}

/**
 * The multi-step launch: prompt → workspace folder (only when there are several) → approval policy →
 * sandbox, with back navigation. Returns undefined when the user cancels.
 */
export async function askForRequest(settings: Settings, seed: LaunchSeed = {}): Promise<TaskRequest | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const askFolder = !seed.cwd && folders.length > 1;
  const total = askFolder ? 4 : 3;
  const title = 'Codex Tasks: New Task';
  let prompt = seed.prompt ?? '';
  let cwd = seed.cwd ?? folders[0]?.uri.fsPath;
  let approvalPolicy = settings.defaultApprovalPolicy;
  let sandbox = settings.defaultSandbox;
  let step = 1;
  while (step <= total) {
    try {
      if (step === 1) {
        const v = await input(title, 1, total, prompt, seed.attachment?.label);
        if (v === undefined) {
          return undefined;
        }
        prompt = v;
      } else if (askFolder && step === 2) {
        const v = await pick(
          `${title}: workspace folder`,
          2,
          total,
          folders.map((f) => ({ value: f.uri.fsPath, label: f.name, detail: f.uri.fsPath })),
          cwd ?? folders[0].uri.fsPath,
        );
        if (v === undefined) {
          return undefined;
        }
        cwd = v;
      } else if (step === total - 1) {
        const v = await pick(`${title}: approval policy`, step, total, APPROVAL_POLICIES.map((p) => ({ value: p, label: p, detail: POLICY_DETAIL[p] })), approvalPolicy);
        if (v === undefined) {
          return undefined;
        }
        approvalPolicy = v;
      } else {
        const v = await pick(`${title}: sandbox`, step, total, SANDBOX_MODES.map((m) => ({ value: m, label: m, detail: SANDBOX_DETAIL[m] })), sandbox);
        if (v === undefined) {
          return undefined;
        }
        sandbox = v;
      }
      step += 1;
    } catch (e) {
      if (e instanceof Back) {
        step -= 1;
        continue;
      }
      throw e;
    }
  }
  if (!cwd) {
    throw new InvalidState('open a folder first; tasks run in a workspace folder.');
  }
  return { prompt: seed.attachment ? `${prompt}\n\n${seed.attachment.text}` : prompt, cwd, approvalPolicy, sandbox };
}

/**
 * Asks for explicit consent when a request gives Codex free rein. Says exactly what it allows, and
 * what Codex itself writes to the user's config (trust for the git root).
 */
export async function confirmRisky(req: TaskRequest): Promise<boolean> {
  const risks: string[] = [];
  if (req.sandbox === 'danger-full-access') {
    risks.push('no sandbox: commands Codex runs can read, change and delete anything your user account can, and reach the network');
  }
  if (req.approvalPolicy === 'never') {
    risks.push('no approvals: Codex will never stop to ask before running a command or applying a patch');
  }
  if (risks.length === 0) {
    return true;
  }
  const trustNote = req.sandbox !== 'read-only' ? '\n\nNote: for a folder inside a git repository, Codex itself records the repository as trusted in your Codex config.toml.' : '';
  const choice = await vscode.window.showWarningMessage(
    'Run this Codex task with reduced safety?',
    { modal: true, detail: `This task runs with ${risks.join('; and ')}.${trustNote}` },
    'Run Task',
  );
  return choice === 'Run Task';
}
