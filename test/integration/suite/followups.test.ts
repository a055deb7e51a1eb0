import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { isFinal } from '../../../src/core/model/taskState';
import { api, bridge, CODEX, CODEX_LEGACY, request, setSetting, sleep, until, waitTask } from './helpers';

suite('follow-ups, rerun, diff and notifications', () => {
  suiteTeardown(async () => {
    await setSetting('codexPath', CODEX);
    await setSetting('transport', 'app-server');
    await setSetting('notifications', 'whenUnfocused');
  });

  for (const t of [
    { transport: 'exec', codex: CODEX },
    { transport: 'app-server', codex: CODEX },
    { transport: 'mcp-server', codex: CODEX_LEGACY },
  ]) {
    test(`Follow Up… runs a second turn on the same thread (${t.transport}) and the row shows both turns`, async () => {
      const a = await api();
      await setSetting('codexPath', t.codex);
      await setSetting('transport', t.transport);
      const task = await a.start(request('[[scenario:simple]] first turn'));
      const first = await waitTask(a, task.id, (x) => isFinal(x.status));
      assert.equal(first.status, 'completed');
      await vscode.commands.executeCommand('codexTasks.followUp', task.id, '[[scenario:followup]] second turn');
      const s = await waitTask(a, task.id, (x) => isFinal(x.status) && x.turns.length === 2);
      assert.equal(s.status, 'completed', JSON.stringify(s.error));
      assert.equal(s.threadId, first.threadId);
      assert.match(s.lastMessage ?? '', /I see 2 prompts in history/);
      await sleep(250);
      const node = a.testHooks!.tree.getChildren().find((n) => n.kind === 'task' && n.id === task.id)!;
      const labels = a.testHooks!.tree.getChildren(node).map((c) => a.testHooks!.tree.getTreeItem(c).label);
      assert.deepEqual(labels.filter((l) => String(l).startsWith('Turn')), ['Turn 1', 'Turn 2']);
      a.testHooks!.tree.getChildren(); // the row refreshed without error
      if (t.transport === 'mcp-server') {
        await vscode.commands.executeCommand('codexTasks.remove', task.id); // ends the idle session
      }
    });
  }

  test('Rerun starts the same request as a new task', async () => {
    const a = await api();
    await setSetting('codexPath', CODEX);
    await setSetting('transport', 'app-server');
    const task = await a.start(request('[[scenario:simple]] run me twice', { approvalPolicy: 'on-request', sandbox: 'read-only' }));
    await waitTask(a, task.id, (x) => isFinal(x.status));
    const again = (await vscode.commands.executeCommand('codexTasks.rerun', task.id)) as { id: string; request: unknown };
    assert.notEqual(again.id, task.id);
    assert.deepEqual(again.request, a.tasks.find((x) => x.id === task.id)!.request);
    assert.equal((await waitTask(a, again.id, (x) => isFinal(x.status))).status, 'completed');
  });

  test('Show Diff opens the diff of a task that patched a file', async () => {
    const a = await api();
    const task = await a.start(request('[[scenario:patch]] add a file'));
    const s = await waitTask(a, task.id, (x) => isFinal(x.status));
    assert.equal(s.status, 'completed');
    await vscode.commands.executeCommand('codexTasks.showDiff', task.id);
    const doc = vscode.window.activeTextEditor?.document;
    assert.equal(doc?.languageId, 'diff');
    assert.match(doc!.getText(), /created_by_patch\.txt/);
    assert.match(doc!.getText(), /\+hello from apply_patch/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  /** Puts another tab in front until the window says it lost the focus (a loaded machine can miss one switch). */
  async function switchAway(what: string): Promise<void> {
    for (let i = 0; i < 5 && vscode.window.state.focused; i++) {
      await bridge('blur');
      const t = Date.now();
      while (vscode.window.state.focused && Date.now() - t < 4000) {
        await sleep(100);
      }
    }
    await until(() => !vscode.window.state.focused, 5_000, what);
  }

  test('notifications: on complete and fail when unfocused, Show Output, Don\'t Show Again, none while focused', async () => {
    const a = await api();
    await setSetting('codexPath', CODEX);
    await setSetting('transport', 'app-server');
    await setSetting('notifications', 'whenUnfocused');
    await vscode.commands.executeCommand('notifications.clearAll');
    const count = async (text: string) => (await bridge('count', { text })).count as number;

    await switchAway('the window reported unfocused');
    const done = await a.start(request('[[scenario:simple]] notify me'));
    await waitTask(a, done.id, (x) => isFinal(x.status));
    await until(async () => (await count(`Codex task ${done.id} completed`)) > 0, 30_000, 'the completion notification');
    await vscode.commands.executeCommand('notifications.showList');
    await bridge('click', { text: 'Show Output' });
    await until(() => a.testHooks!.outputs.hasChannel(done.id), 15_000, 'the output channel');
    // Clicking focused the window again: switch away once more.
    await vscode.commands.executeCommand('notifications.hideList');
    await switchAway('the window reported unfocused again');

    const failed = await a.start(request('[[scenario:fail400]] notify my failure'));
    await waitTask(a, failed.id, (x) => isFinal(x.status));
    await until(async () => (await count(`Codex task ${failed.id} failed`)) > 0, 30_000, 'the failure notification');
    await vscode.commands.executeCommand('notifications.showList');
    await bridge('click', { text: "Don't Show Again" });
    await vscode.commands.executeCommand('notifications.hideList');
    await until(() => vscode.workspace.getConfiguration('codexTasks').get('notifications') === 'off', 15_000, 'notifications off');

    const quiet = await a.start(request('[[scenario:simple]] no notification now'));
    await waitTask(a, quiet.id, (x) => isFinal(x.status));
    await sleep(1000);
    assert.equal(await count(`Codex task ${quiet.id} completed`), 0, 'no notification after Don\'t Show Again');

    await setSetting('notifications', 'whenUnfocused');
    await bridge('focus');
    await until(() => vscode.window.state.focused, 15_000, 'the window reported focused');
    const focused = await a.start(request('[[scenario:simple]] focused'));
    await waitTask(a, focused.id, (x) => isFinal(x.status));
    await sleep(1000);
    assert.equal(await count(`Codex task ${focused.id} completed`), 0, 'no notification while the window is focused');
    await vscode.commands.executeCommand('notifications.clearAll');
  });
});

suite('the offline demo', () => {
  test('Run Demo Scenario runs each scenario of the demo model from the palette', async () => {
    const a = await api();
    await setSetting('codexPath', CODEX);
    await setSetting('transport', 'app-server');
    // shell (0) and edit (1) complete; approval (2) asks; the long one (3) is killed.
    const shell = (await vscode.commands.executeCommand('codexTasks.runDemo', 0)) as { id: string };
    assert.equal((await waitTask(a, shell.id, (x) => isFinal(x.status))).counts.commands, 1);
    const edit = (await vscode.commands.executeCommand('codexTasks.runDemo', 1)) as { id: string };
    assert.ok((await waitTask(a, edit.id, (x) => isFinal(x.status))).latestDiff);
    const ask = (await vscode.commands.executeCommand('codexTasks.runDemo', 2)) as { id: string };
    await waitTask(a, ask.id, (x) => x.status === 'needsApproval');
    await vscode.commands.executeCommand('codexTasks.deny', ask.id);
    await waitTask(a, ask.id, (x) => isFinal(x.status));
    const long = (await vscode.commands.executeCommand('codexTasks.runDemo', 3)) as { id: string };
    await waitTask(a, long.id, (x) => x.activity?.startsWith('$ ') === true);
    assert.equal(((await vscode.commands.executeCommand('codexTasks.kill', long.id)) as { status: string }).status, 'killed');
    await vscode.commands.executeCommand('notifications.clearAll');
  });
});
