import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { descendantsOf, readProc } from '../../../src/core/process/procfs';
import { api, CODEX, setSetting, sleep, waitTask, WORKSPACE } from './helpers';

async function invoke(name: string, input: object): Promise<string> {
  const r = await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined });
  return r.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('\n');
}

suite('language model tools for chat agents', () => {
  suiteSetup(async () => {
    await setSetting('codexPath', CODEX);
    await setSetting('transport', 'app-server');
  });

  test('vscode.lm.tools lists all five', async () => {
    await api();
    const names = vscode.lm.tools.map((t) => t.name);
    for (const n of ['codexTasks_start', 'codexTasks_status', 'codexTasks_output', 'codexTasks_kill', 'codexTasks_list']) {
      assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    }
  });

  test('start, read twice with the cursor, filter, list, kill mid-command leaving no process', async () => {
    const a = await api();
    const started = await invoke('codexTasks_start', { prompt: '[[scenario:sleep]] started by an agent', sandbox: 'danger-full-access', approvalPolicy: 'never' });
    const id = /Started Codex task ([0-9a-f]{6})/.exec(started)?.[1];
    assert.ok(id, started);
    // Same engine, same tree: the task is there like any other.
    await sleep(250);
    assert.ok(a.testHooks!.tree.getChildren().some((n) => n.kind === 'task' && n.id === id), 'the tree shows the agent-started task');
    assert.equal(a.tasks.find((t) => t.id === id)?.request.cwd, WORKSPACE, 'cwd defaults to the workspace folder');
    await waitTask(a, id, (t) => t.activity?.startsWith('$ ') === true);

    const first = await invoke('codexTasks_output', { id });
    const cursor = (JSON.parse(first.slice(first.lastIndexOf('\n{'))) as { next: number }).next;
    assert.match(first, /\$ \/bin\/bash -lc 'echo sleeping; sleep 30; echo slept'/);
    const second = await invoke('codexTasks_output', { id, since: cursor });
    assert.ok(!second.includes("echo sleeping; sleep 30"), 'the second read returns only what is new');
    const filtered = await invoke('codexTasks_output', { id, filter: '^thread ' });
    assert.match(filtered.split('\n')[0], /^thread [0-9a-f-]{36}/);
    assert.ok(!filtered.includes('$ /bin/bash'), 'only matching lines');

    const list = await invoke('codexTasks_list', {});
    assert.match(list, new RegExp(`^${id} running`, 'm'));
    const status = await invoke('codexTasks_status', { id });
    assert.equal((JSON.parse(status) as { state: string }).state, 'running');

    const pid = a.tasks.find((t) => t.id === id)!.pid!;
    const tree = [readProc(pid)!, ...descendantsOf(pid)];
    assert.ok(tree.some((p) => p.comm === 'sleep'));
    const killed = await invoke('codexTasks_kill', { id });
    assert.match(killed, /is killed; no process of it is left/);
    const left = tree.filter((p) => {
      const now = readProc(p.pid);
      return now !== undefined && now.startTime === p.startTime && now.state !== 'Z';
    });
    assert.deepEqual(left.map((p) => p.comm), []);
  });

  test('a bad input is answered with a field-level message, not thrown', async () => {
    assert.match(await invoke('codexTasks_start', { prompt: '', sandbox: 'everything' }), /Invalid input for codexTasks_start: prompt: must not be empty; sandbox: one of read-only \| workspace-write \| danger-full-access/);
    assert.match(await invoke('codexTasks_status', { id: 'xyz' }), /Invalid input for codexTasks_status: id: expected a 6-digit hex task id/);
    assert.match(await invoke('codexTasks_output', { id: 'abcdef', filter: '(' }), /filter: must be a valid regular expression/);
    assert.match(await invoke('codexTasks_status', { id: 'abcdef' }), /no task with id abcdef/);
  });

  test('the setting turns the tools off and on', async () => {
    await setSetting('enableLanguageModelTools', false);
    // Unregistered: an agent's call fails (the manifest's `when` also hides them where the host honours it).
    await sleep(300);
    await assert.rejects(Promise.resolve(vscode.lm.invokeTool('codexTasks_list', { input: {}, toolInvocationToken: undefined })));
    await setSetting('enableLanguageModelTools', true);
    await sleep(300);
    assert.match(await invoke('codexTasks_list', {}), /running|completed|killed|No Codex tasks/);
  });
});
