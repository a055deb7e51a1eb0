import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isFinal } from '../../../src/core/model/taskState';
import { api, CODEX, EXTENSION_ID, request, setSetting, waitTask } from './helpers';

suite('activation and contributions', () => {
  test('activates in the real extension host and returns its API', async () => {
    const a = await api();
    assert.ok(Array.isArray(a.tasks));
    assert.equal(typeof a.start, 'function');
    assert.equal(typeof a.kill, 'function');
    assert.equal(typeof a.onDidChangeTask, 'function');
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(ext.isActive, true);
    assert.equal(ext.extensionKind, vscode.ExtensionKind.Workspace);
  });

  test('contributes its view container, Tasks view and welcome content', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { viewsContainers: { activitybar: { id: string; icon: string }[] }; views: Record<string, { id: string; name: string }[]>; viewsWelcome: { view: string }[] };
    };
    assert.deepEqual(pkg.contributes.viewsContainers.activitybar.map((c) => c.id), ['codexTasks']);
    assert.deepEqual(pkg.contributes.views.codexTasks.map((v) => [v.id, v.name]), [['codexTasks.tasks', 'Tasks']]);
    assert.ok(pkg.contributes.viewsWelcome.filter((w) => w.view === 'codexTasks.tasks').length >= 3);
  });

  test('registers every contributed command', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string; category: string }[] } };
    for (const c of pkg.contributes.commands) {
      assert.ok(all.has(c.command), `${c.command} is registered`);
      assert.equal(c.category, 'Codex Tasks');
    }
    assert.ok(all.has('codexTasks.tasks.focus'), 'the view is registered');
  });

  test('the Tasks view becomes visible when focused', async () => {
    const a = await api();
    await vscode.commands.executeCommand('codexTasks.tasks.focus');
    const view = a.testHooks!.view;
    const end = Date.now() + 10_000;
    while (!view.visible && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(view.visible, true);
  });

  test('activation loads the first bundle only; the engine bundle comes with the first task', async () => {
    const a = await api();
    const dist = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist');
    assert.ok(require.cache[path.join(dist, 'extension.js')], 'dist/extension.js is what activated');
    assert.equal(require.cache[path.join(dist, 'engine.js')], undefined, 'no task yet: process control, transports and zod are not loaded');
    await setSetting('codexPath', CODEX);
    await setSetting('transport', 'app-server');
    const t = await a.start(request('[[scenario:simple]] load the engine'));
    assert.ok(require.cache[path.join(dist, 'engine.js')], 'the first task loaded dist/engine.js');
    const s = await waitTask(a, t.id, (x) => isFinal(x.status));
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
  });

  // Registered only on demand: `CODEX_TASKS_PROBE_FAIL=1 npm run test:integration` must exit non-zero.
  if (process.env.CODEX_TASKS_PROBE_FAIL === '1') {
    test('a deliberately broken assertion fails the run', () => {
      assert.equal(1, 2, 'probe: this failure must make the run exit non-zero');
    });
  }
});
