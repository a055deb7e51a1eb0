import * as assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isFinal } from '../../../src/core/model/taskState';
import { api, bridge, CODEX, request, setSetting, sleep, until, waitTask, WORKSPACE } from './helpers';

suite('commands', () => {
  suiteSetup(async () => {
    await setSetting('codexPath', CODEX);
    await setSetting('transport', 'app-server');
    await setSetting('defaultApprovalPolicy', 'on-request');
    await setSetting('defaultSandbox', 'read-only');
  });

  test('New Task… walks prompt → approval → sandbox with back navigation, typed in the real UI', async () => {
    const a = await api();
    const before = new Set(a.tasks.map((t) => t.id));
    const done = vscode.commands.executeCommand('codexTasks.newTask');
    await bridge('waitinput');
    await bridge('type', { text: '[[scenario:simple]] typed in the quick pick' });
    await bridge('keys', { keys: 'Enter' });
    await sleep(500);
    await bridge('waitinput');
    // Step 2 (approval policy): go back to the prompt, then forward again.
    await vscode.commands.executeCommand('workbench.action.quickInputBack');
    await sleep(500);
    await bridge('waitinput');
    await bridge('keys', { keys: 'Enter' }); // keeps the prompt
    await sleep(500);
    await bridge('waitinput');
    await bridge('keys', { keys: 'Enter' }); // approval: the default (on-request)
    await sleep(500);
    await bridge('waitinput');
    await bridge('keys', { keys: 'Enter' }); // sandbox: the default (read-only)
    const t = (await done) as { id: string; request: { prompt: string; approvalPolicy: string; sandbox: string; cwd: string } };
    assert.ok(t && !before.has(t.id), 'a new task');
    assert.equal(t.request.prompt, '[[scenario:simple]] typed in the quick pick');
    assert.equal(t.request.approvalPolicy, 'on-request');
    assert.equal(t.request.sandbox, 'read-only');
    assert.equal(t.request.cwd, WORKSPACE);
    const s = await waitTask(a, t.id, (x) => isFinal(x.status));
    assert.equal(s.status, 'completed');
  });

  test('Run Selection as Codex Task… attaches the selection and its file reference below the typed prompt', async () => {
    const a = await api();
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(WORKSPACE, 'src', 'example.ts')));
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(0, 0, 1, 15);
    const done = vscode.commands.executeCommand('codexTasks.runSelection');
    await bridge('waitinput');
    await bridge('type', { text: '[[scenario:simple]] Explain this' });
    for (let i = 0; i < 3; i++) {
      await bridge('waitinput');
      await bridge('keys', { keys: 'Enter' });
      await sleep(500);
    }
    const t = (await done) as { id: string; request: { prompt: string } };
    assert.match(t.request.prompt, /^\[\[scenario:simple\]\] Explain this\n\nIn src\/example\.ts:1-2:\n```typescript\nexport function add\(a: number, b: number\) \{\n {2}return a \+ b;\n```$/);
    const s = await waitTask(a, t.id, (x) => isFinal(x.status));
    assert.equal(s.status, 'completed');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('Set Codex Path saves the path in user settings; Show Log reveals the extension log', async () => {
    const a = await api();
    const done = vscode.commands.executeCommand('codexTasks.setCodexPath');
    await bridge('waitinput');
    await bridge('keys', { keys: 'Control+A' });
    await bridge('type', { text: CODEX });
    await bridge('keys', { keys: 'Enter' });
    assert.equal(await done, CODEX);
    assert.equal(vscode.workspace.getConfiguration('codexTasks').inspect('codexPath')?.globalValue, CODEX);
    await until(() => a.testHooks!.codexState() === 'ok', 10_000, 'codex found');
    await vscode.commands.executeCommand('codexTasks.showLog');
    assert.equal(a.testHooks!.log.name, 'Codex Tasks');
  });

  test('a workspace cannot set the codex path or transport (machine-scoped settings)', async () => {
    const c = () => vscode.workspace.getConfiguration('codexTasks');
    // Through the API: refused.
    await assert.rejects(Promise.resolve(c().update('codexPath', '/tmp/evil-codex', vscode.ConfigurationTarget.Workspace)), /User settings|workspace/i);
    // Through the folder's settings file, as a cloned repository would ship it: ignored.
    const dir = path.join(WORKSPACE, '.vscode');
    const { mkdirSync, rmSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ 'codexTasks.codexPath': '/tmp/evil-codex', 'codexTasks.transport': 'exec', 'codexTasks.defaultSandbox': 'workspace-write' }));
    try {
      // The folder's other settings are read (the file was seen), the machine-scoped ones are not.
      await until(() => c().get('defaultSandbox') === 'workspace-write', 20_000, 'workspace settings read');
      assert.equal(c().get('codexPath'), CODEX);
      assert.equal(c().get('transport'), 'app-server');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await until(() => c().get('defaultSandbox') === 'read-only', 20_000, 'workspace settings gone');
    }
  });

  test('the output channel renders a command, an MCP tool call, token counts and the final message', async () => {
    const a = await api();
    const t = await a.start(request('[[scenario:combo]] a command and a tool', { model: 'mock-model', sandbox: 'read-only' }));
    const s = await waitTask(a, t.id, (x) => isFinal(x.status));
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    const out = await until(() => (a.getOutput(t.id).includes('■ codex exited') ? a.getOutput(t.id) : undefined), 30_000, 'the end in the output');
    const expectations: [string, RegExp][] = [
      ['header', new RegExp(`^Codex Task ${t.id} · app-server · codex 0\\.169\\.0\\nprompt: +\\[\\[scenario:combo\\]\\]`)],
      ['command', /\$ \/bin\/bash -lc 'echo combo-shell-output'\ncombo-shell-output\n {2}→ exit 0 in \d/],
      ['tool call', /tool: mocktools\.echo\(\{"text":"ping from the mock model"\}\)\n {2}→ mocktools\.echo ok in [\d.]+ m?s: /],
      ['token counts', /tokens: input [\d,]+ .*· thread total [\d,]+/],
      ['final message', /Final message:\nThe tool said: echo: ping from the mock model/],
      ['end', /■ codex exited with code 0 · task completed/],
    ];
    for (const [what, re] of expectations) {
      assert.match(out, re, `${what} in:\n${out}`);
    }
  });

  test('Open Raw Log opens the task\'s JSONL, Copy Task ID copies it, Remove forgets it', async () => {
    const a = await api();
    const t = await a.start(request('[[scenario:simple]] for the context menu'));
    await waitTask(a, t.id, (x) => isFinal(x.status));
    const uri = (await vscode.commands.executeCommand('codexTasks.openRawLog', t.id)) as vscode.Uri;
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, uri.fsPath);
    assert.match(vscode.window.activeTextEditor!.document.getText(), /"d":"in","l":"\{\\"id\\":1,\\"method\\":\\"initialize\\"/);
    await vscode.commands.executeCommand('codexTasks.copyTaskId', t.id);
    assert.equal(await vscode.env.clipboard.readText(), t.id);
    await vscode.commands.executeCommand('codexTasks.remove', t.id);
    assert.equal(a.tasks.find((x) => x.id === t.id), undefined);
  });

  test('Kill All kills every running task and leaves none running', async () => {
    const a = await api();
    const t1 = await a.start(request('[[scenario:sleep]] one', { sandbox: 'danger-full-access' }));
    const t2 = await a.start(request('[[scenario:sleep]] two', { sandbox: 'danger-full-access' }));
    await waitTask(a, t1.id, (x) => x.status === 'running');
    await waitTask(a, t2.id, (x) => x.status === 'running');
    const finals = (await vscode.commands.executeCommand('codexTasks.killAll', { skipConfirmation: true })) as { status: string }[];
    assert.deepEqual(finals.map((f) => f.status), ['killed', 'killed']);
    assert.equal(a.tasks.filter((t) => !isFinal(t.status)).length, 0);
  });

  test('a task past the concurrency cap is queued, shown as queued, and starts when a slot frees', async () => {
    const a = await api();
    await setSetting('maxConcurrentTasks', 1);
    try {
      const first = await a.start(request('[[scenario:sleep]] holds the slot', { sandbox: 'danger-full-access' }));
      await waitTask(a, first.id, (x) => x.status === 'running');
      const second = await a.start(request('[[scenario:simple]] waits'));
      assert.equal(second.status, 'queued');
      await sleep(250);
      const node = a.testHooks!.tree.getChildren().find((n) => n.kind === 'task' && n.id === second.id)!;
      const item = a.testHooks!.tree.getTreeItem(node);
      assert.equal(item.contextValue, 'task:queued');
      assert.equal((item.iconPath as vscode.ThemeIcon).id, 'clock');
      await a.kill(first.id);
      const s = await waitTask(a, second.id, (x) => isFinal(x.status));
      assert.equal(s.status, 'completed');
    } finally {
      await setSetting('maxConcurrentTasks', 4);
    }
  });

  test('the welcome view follows codex: not found, unsupported version, found', async () => {
    const a = await api();
    const hooks = a.testHooks!;
    await setSetting('codexPath', '/nonexistent/codex');
    await until(() => hooks.codexState() === 'notFound', 10_000, 'notFound');
    const old = path.join(mkdtempSync(path.join(os.tmpdir(), 'old-codex-')), 'codex');
    writeFileSync(old, '#!/bin/sh\necho "codex-cli 0.12.0"\n');
    chmodSync(old, 0o755);
    await setSetting('codexPath', old);
    await until(() => hooks.codexState() === 'unsupported', 10_000, 'unsupported');
    await assert.rejects(a.start(request('x')), (e: Error) => /not supported/.test(e.message));
    await setSetting('codexPath', CODEX);
    await until(() => hooks.codexState() === 'ok', 10_000, 'ok');
  });
});
