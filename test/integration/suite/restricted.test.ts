import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, EXTENSION_ID, request } from './helpers';

// Runs only in the second host, opened with workspace trust on and the folder untrusted.
suite('Restricted Mode', () => {
  test('the window is untrusted and the extension is active (limited support)', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const a = await api();
    assert.ok(a);
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } } };
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('codexTasks.codexPath'));
  });

  test('every launch is refused with a message why, and nothing starts', async () => {
    const a = await api();
    const attempts: [string, unknown[]][] = [
      ['codexTasks.newTask', [{ ...request('[[scenario:simple]] hi'), skipConfirmation: true }]],
      ['codexTasks.runRequestFile', [vscode.Uri.file('/nonexistent.json')]],
      ['codexTasks.runSelection', []],
    ];
    for (const [command, args] of attempts) {
      await assert.rejects(Promise.resolve(vscode.commands.executeCommand(command, ...args)), (e: Error) => /Restricted Mode/.test(e.message), command);
    }
    await assert.rejects(a.start(request('[[scenario:simple]] hi')), (e: Error) => /Restricted Mode/.test(e.message));
    assert.equal(a.tasks.length, 0);
  });

  test('the chat tools refuse to start a task exactly as the commands do', async () => {
    const r = await vscode.lm.invokeTool('codexTasks_start', { input: { prompt: '[[scenario:simple]] hi' }, toolInvocationToken: undefined });
    const out = r.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
    assert.match(out, /Restricted Mode/);
    assert.equal((await api()).tasks.length, 0);
  });

  test('the launch commands are hidden in the palette and menus of an untrusted window', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
    const palette = pkg.contributes.menus.commandPalette;
    for (const c of ['codexTasks.newTask', 'codexTasks.runRequestFile', 'codexTasks.runSelection']) {
      assert.match(palette.find((m) => m.command === c)?.when ?? '', /isWorkspaceTrusted/, c);
    }
    assert.match(pkg.contributes.menus['explorer/context'][0].when ?? '', /isWorkspaceTrusted/);
    assert.match(pkg.contributes.menus['editor/context'][0].when ?? '', /isWorkspaceTrusted/);
  });
});
