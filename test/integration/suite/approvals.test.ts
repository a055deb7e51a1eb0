import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, realpathSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isFinal } from '../../../src/core/model/taskState';
import { api, bridge, CODEX, CODEX_LEGACY, setSetting, sleep, until, waitTask } from './helpers';

const transports = [
  { name: 'app-server', codex: CODEX },
  { name: 'mcp-server', codex: CODEX_LEGACY },
] as const;
const decisions = [
  { via: 'Approve', command: 'codexTasks.approve', scenario: 'approval', file: 'approved_once.txt', ran: true },
  { via: 'Approve for Session', command: 'codexTasks.approveForSession', scenario: 'approval2', file: 'approved_twice.txt', ran: true },
  { via: 'Deny', command: 'codexTasks.deny', scenario: 'approval', file: 'approved_once.txt', ran: false },
] as const;

suite('approvals from the notification and from the row', () => {
  suiteSetup(async () => {
    await setSetting('transport', 'auto');
    await setSetting('notifications', 'whenUnfocused');
  });
  suiteTeardown(async () => {
    await setSetting('codexPath', CODEX);
    await setSetting('transport', 'app-server');
  });

  for (const t of transports) {
    for (const d of decisions) {
      for (const from of ['notification', 'row'] as const) {
        test(`${t.name}: ${d.via} from the ${from}`, async () => {
          const a = await api();
          await setSetting('codexPath', t.codex);
          await vscode.commands.executeCommand('notifications.clearAll');
          const cwd = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'approve-')));
          const task = await a.start({ prompt: `[[scenario:${d.scenario}]] needs approval`, cwd, approvalPolicy: 'on-request', sandbox: 'workspace-write' });
          assert.equal(task.transport, t.name);
          let asked = 0;
          const sub = a.onDidChangeTask(({ task: x, event }) => {
            if (x.id === task.id && event?.type === 'approvalRequest') {
              asked += 1;
            }
          });
          try {
            await waitTask(a, task.id, (x) => x.status === 'needsApproval');
            await sleep(300);
            // The row: icon and context value for the approval actions, and the badge.
            const node = a.testHooks!.tree.getChildren().find((n) => n.kind === 'task' && n.id === task.id)!;
            const item = a.testHooks!.tree.getTreeItem(node);
            assert.equal(item.contextValue, 'task:needsApproval');
            assert.equal((item.iconPath as vscode.ThemeIcon).id, 'bell-dot');
            assert.ok(a.testHooks!.view.badge?.tooltip?.includes('waiting for approval'));
            if (from === 'notification') {
              await until(async () => ((await bridge('count', { text: `Codex task ${task.id} wants to run` })).count as number) > 0, 10_000, 'the approval notification');
              if (process.env.CODEX_TASKS_DEBUG_SHOT) {
                await bridge('screenshot', { path: process.env.CODEX_TASKS_DEBUG_SHOT });
              }
              // The notification center lists it (toasts are not shown in this headless window).
              await vscode.commands.executeCommand('notifications.showList');
              await bridge('click', { text: d.via });
              await vscode.commands.executeCommand('notifications.hideList');
            } else {
              await vscode.commands.executeCommand(d.command, node);
            }
            const s = await waitTask(a, task.id, (x) => isFinal(x.status));
            assert.equal(s.status, 'completed', JSON.stringify(s.error));
            assert.equal(existsSync(path.join(cwd, d.file)), d.ran, `${d.file} ${d.ran ? 'created' : 'not created'}`);
            if (d.scenario === 'approval2') {
              assert.equal(asked, 1, 'one approval answers both commands for the session');
              assert.equal(s.counts.commands, 2);
            }
          } finally {
            sub.dispose();
            await vscode.commands.executeCommand('notifications.clearAll');
          }
        });
      }
    }
  }

  test('Show Details opens the command that waits for approval', async () => {
    const a = await api();
    await setSetting('codexPath', CODEX);
    const cwd = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'details-')));
    const task = await a.start({ prompt: '[[scenario:approval]] details', cwd, approvalPolicy: 'on-request', sandbox: 'workspace-write' });
    await waitTask(a, task.id, (x) => x.status === 'needsApproval');
    await vscode.commands.executeCommand('codexTasks.showApprovalDetails', task.id);
    const text = vscode.window.activeTextEditor?.document.getText() ?? '';
    assert.match(text, /touch approved_once\.txt/);
    assert.match(text, new RegExp(`# in ${cwd}`));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.commands.executeCommand('codexTasks.deny', task.id);
    await waitTask(a, task.id, (x) => isFinal(x.status));
  });
});
