import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { isFinal } from '../../../src/core/model/taskState';
import { api, CODEX, request, setSetting, until, waitTask } from './helpers';

suite('tasks with the real codex in the extension host', () => {
  suiteSetup(async () => {
    assert.ok(CODEX, 'CODEX_TASKS_TEST_CODEX is set by the runner');
    await setSetting('codexPath', CODEX);
    await setSetting('transport', 'exec');
  });

  test('a task started from the New Task command runs a shell command to completion', async () => {
    const a = await api();
    const started = (await vscode.commands.executeCommand('codexTasks.newTask', { ...request('[[scenario:shell]] list the files'), skipConfirmation: true })) as { id: string };
    assert.match(started.id, /^[0-9a-f]{6}$/);
    const done = await waitTask(a, started.id, (t) => isFinal(t.status));
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    assert.equal(done.counts.commands, 1);
    const out = await until(() => (a.getOutput(done.id).includes('codex exited with code 0') ? a.getOutput(done.id) : undefined), 5000, 'rendered output');
    assert.match(out, /\$ \/bin\/bash -lc 'echo hello-from-shell/);
    assert.match(out, /tick 3/);
    assert.match(out, /→ exit 0/);
    assert.match(out, /tokens: input/);
    assert.match(out, /Final message:\nThe command printed:/);
  });

  test('kill from the command leaves the task killed', async () => {
    const a = await api();
    const t = await a.start(request('[[scenario:sleep]] sleep a while'));
    await waitTask(a, t.id, (x) => x.activity?.startsWith('$ ') === true);
    const final = (await vscode.commands.executeCommand('codexTasks.kill', t.id)) as { status: string };
    assert.equal(final.status, 'killed');
  });
});
