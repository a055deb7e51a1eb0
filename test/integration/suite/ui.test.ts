import * as assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { descendantsOf, readProc } from '../../../src/core/process/procfs';
import { isFinal } from '../../../src/core/model/taskState';
import type { TaskNode } from '../../../src/vscode/taskTree';
import { api, bridge, CODEX, request, setSetting, sleep, until, waitTask, WORKSPACE } from './helpers';

suite('tree, status bar and output as projections of the task state', () => {
  suiteSetup(async () => {
    await setSetting('codexPath', CODEX);
    await setSetting('transport', 'app-server');
  });

  function row(id: string) {
    const a = api();
    return a.then((x) => {
      const hooks = x.testHooks!;
      const node = hooks.tree.getChildren().find((n: TaskNode) => n.kind === 'task' && n.id === id);
      assert.ok(node, `a row for task ${id}`);
      return { item: hooks.tree.getTreeItem(node), children: hooks.tree.getChildren(node).map((c) => hooks.tree.getTreeItem(c)) };
    });
  }

  test('a running task: spinning row with id · elapsed in its description, children showing the command, a badge, and the status bar', async () => {
    const a = await api();
    const t = await a.start(request('[[scenario:sleep]] Sleep for a while\nsecond line is not in the label', { sandbox: 'danger-full-access' }));
    await waitTask(a, t.id, (x) => x.activity?.startsWith('$ ') === true);
    await sleep(250); // refreshes are coalesced over 100 ms
    const r = await row(t.id);
    assert.equal(r.item.label, '[[scenario:sleep]] Sleep for a while');
    assert.equal(r.item.contextValue, 'task:running');
    assert.equal((r.item.iconPath as vscode.ThemeIcon).id, 'loading~spin');
    assert.match(String(r.item.description), new RegExp(`^${t.id} · \\d`));
    const tip = (r.item.tooltip as vscode.MarkdownString).value;
    for (const want of [WORKSPACE, 'danger-full-access', 'app-server', '0.169.0', 'Raw log']) {
      assert.ok(tip.includes(want), `tooltip has ${want}`);
    }
    assert.ok(r.children.some((c) => String(c.label).startsWith('$ ') && String(c.label).includes('sleep 30')), 'the running command is a child row');
    assert.ok(r.children.some((c) => c.label === 'Turn 1'));
    const view = a.testHooks!.view;
    assert.equal(view.badge?.value, 1);
    const sb = a.testHooks!.statusBar.item;
    assert.match(sb.text, /^\$\(loading~spin\) Codex 1 · [\d.]+k? tok$/);
    assert.ok((sb.tooltip as vscode.MarkdownString).value.includes(t.id));
    assert.equal(sb.command, 'codexTasks.tasks.focus');

    // Screenshot of the real workbench: tree, output panel and status bar with the running task.
    await vscode.commands.executeCommand('codexTasks.tasks.focus');
    await vscode.commands.executeCommand('codexTasks.showOutput', t.id);
    await sleep(1500);
    const shots = process.env.CODEX_TASKS_SHOTS;
    if (shots && process.env.CODEX_TASKS_PAGE_BRIDGE) {
      const file = path.join(shots, 'workbench-running-task.png');
      await bridge('screenshot', { path: file });
      assert.ok(existsSync(file) && statSync(file).size > 10_000, 'a real screenshot was written');
    }

    // Kill from the row (the tree passes its node to the command): nothing of it may survive.
    const running = a.tasks.find((x) => x.id === t.id)!;
    const tree = [readProc(running.pid!)!, ...descendantsOf(running.pid!)];
    assert.ok(tree.some((p) => p.comm === 'sleep'), 'sleep runs under codex');
    const node = a.testHooks!.tree.getChildren().find((n) => n.kind === 'task' && n.id === t.id)!;
    const killing = vscode.commands.executeCommand('codexTasks.kill', node) as Thenable<{ status: string }>;
    await until(() => a.tasks.find((x) => x.id === t.id)?.status === 'stopping' || a.tasks.find((x) => x.id === t.id)?.status === 'killed', 10_000, 'stopping');
    const final = await killing;
    assert.equal(final.status, 'killed');
    const left = tree.filter((p) => {
      const now = readProc(p.pid);
      return now !== undefined && now.startTime === p.startTime && now.state !== 'Z';
    });
    assert.deepEqual(left.map((p) => `${p.pid}:${p.comm}`), [], 'no process left');
    await sleep(250);
    const after = await row(t.id);
    assert.equal(after.item.contextValue, 'task:done:killed');
    assert.equal((after.item.iconPath as vscode.ThemeIcon).id, 'circle-slash');
    assert.equal(view.badge, undefined);
    assert.match(sb.text, new RegExp(`Codex ${t.id} · `), 'the status bar shows the last task briefly');
  });

  test('a completed task: check icon, done context value, answer as a child row', async () => {
    const a = await api();
    const t = await a.start(request('[[scenario:simple]] Say hello'));
    await waitTask(a, t.id, (x) => isFinal(x.status));
    await sleep(250);
    const r = await row(t.id);
    assert.equal(r.item.contextValue, 'task:done:completed');
    assert.equal((r.item.iconPath as vscode.ThemeIcon).id, 'check');
    assert.match(String(r.item.description), /tok$/);
    assert.ok(r.children.some((c) => c.label === 'Hello from the mock model!'));
  });

  test('a failed task: error icon and Codex\'s error as a child row', async () => {
    const a = await api();
    const t = await a.start(request('[[scenario:fail400]] break'));
    const s = await waitTask(a, t.id, (x) => isFinal(x.status));
    assert.equal(s.status, 'failed');
    await sleep(250);
    const r = await row(t.id);
    assert.equal(r.item.contextValue, 'task:done:failed');
    assert.equal((r.item.iconPath as vscode.ThemeIcon).id, 'error');
    assert.ok(r.children.some((c) => /mock bad request|400/.test(String(c.label))), r.children.map((c) => c.label).join(' | '));
  });

  test('Run Request File takes a Uri from the explorer and runs the seed file', async () => {
    const a = await api();
    const file = path.join(WORKSPACE, 'req-ok.json');
    writeFileSync(file, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'codex', arguments: { prompt: '[[scenario:simple]] from a file', 'approval-policy': 'on-request', sandbox: 'read-only' } } }));
    const t = (await vscode.commands.executeCommand('codexTasks.runRequestFile', vscode.Uri.file(file))) as { id: string; request: { cwd: string } };
    assert.equal(t.request.cwd, WORKSPACE, 'cwd defaults to the file\'s workspace folder');
    const s = await waitTask(a, t.id, (x) => isFinal(x.status));
    assert.equal(s.status, 'completed');
  });

  test('a bad request file gets the engine\'s field-level error and starts nothing', async () => {
    const a = await api();
    const before = a.tasks.length;
    const file = path.join(WORKSPACE, 'req-bad.json');
    writeFileSync(file, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'codex', arguments: { prompt: 7, sandbox: 'everything' } } }));
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('codexTasks.runRequestFile', vscode.Uri.file(file))), (e: Error) => /params\.arguments\.prompt/.test(e.message) && /params\.arguments\.sandbox/.test(e.message));
    assert.equal(a.tasks.length, before);
  });

  test('Clear Finished removes finished rows and keeps running ones', async () => {
    const a = await api();
    const running = await a.start(request('[[scenario:sleep]] keep me', { sandbox: 'danger-full-access' }));
    await waitTask(a, running.id, (x) => x.status === 'running');
    const removed = (await vscode.commands.executeCommand('codexTasks.clearFinished')) as number;
    assert.ok(removed >= 1);
    assert.deepEqual(a.tasks.map((t) => t.id), [running.id]);
    await a.kill(running.id);
  });
});
