import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ROOT } from '../helpers/codexHome';

/**
 * The packaged .vsix: only the bundle, media, README, CHANGELOG and LICENSE go in, and it installs
 * into code-server (`--install-extension`, as a user would) and activates there.
 */
const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const vsix = path.join(ROOT, `codex-tasks-${version}.vsix`);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCodeServer, openBrowser } = require(path.join(ROOT, 'test/harness/codeServerHost.js')) as {
  startCodeServer(o: object): Promise<{ url: string; run: string; folder: string; stop(): Promise<void> }>;
  openBrowser(h: object): Promise<{ browser: { close(): Promise<void> }; page: Page }>;
};

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) {
    await c();
  }
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? listFiles(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

describe('the packaged extension', () => {
  it('npm run package builds codex-tasks-<version>.vsix with only the bundle, media, README, CHANGELOG and LICENSE', () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/package.mjs')], { cwd: ROOT, stdio: 'pipe' });
    assert.ok(existsSync(vsix));
    const names = execFileSync('python3', ['-c', 'import sys,zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', vsix], { encoding: 'utf8' }).trim().split('\n').sort();
    const allowed = [/^\[Content_Types\]\.xml$/, /^extension\.vsixmanifest$/, /^extension\/package\.json$/, /^extension\/dist\/(extension|engine)\.js$/, /^extension\/media\/[\w.-]+\.(svg|png)$/, /^extension\/readme\.md$/i, /^extension\/changelog\.md$/i, /^extension\/LICENSE(\.txt)?$/i];
    const stray = names.filter((n) => !allowed.some((re) => re.test(n)));
    assert.deepEqual(stray, [], `unexpected files in the vsix: ${stray.join(', ')}`);
    for (const must of ['extension/dist/extension.js', 'extension/dist/engine.js', 'extension/package.json']) {
      assert.ok(names.includes(must), must);
    }
    assert.ok(names.some((n) => /^extension\/readme\.md$/i.test(n)) && names.some((n) => /^extension\/changelog\.md$/i.test(n)) && names.some((n) => /^extension\/LICENSE/i.test(n)));
    const size = statSync(vsix).size;
    console.log(`${path.basename(vsix)}: ${(size / 1024).toFixed(1)} KiB, ${names.length} files`);
    assert.ok(size < 1024 * 1024, 'under 1 MiB');
  });

  it('installs into code-server with --install-extension and activates there', async () => {
    const host = await startCodeServer({ vsix, userSettings: { 'codexTasks.codexPath': path.join(ROOT, 'node_modules/@openai/codex/bin/codex.js') } });
    cleanups.push(() => host.stop());
    const installed = readdirSync(path.join(host.run, 'ext')).filter((d) => d.startsWith('codex-tasks.codex-tasks-'));
    assert.deepEqual(installed, [`codex-tasks.codex-tasks-${version}`]);
    const { browser, page } = await openBrowser(host);
    cleanups.push(() => browser.close());
    await page.goto(`${host.url}?folder=${encodeURIComponent(host.folder)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    // Opening the view activates the extension (implicit activation from its contributions).
    await page.locator('.activitybar [aria-label^="Codex Tasks"]').first().click({ timeout: 30_000 });
    await page.getByText('No Codex tasks yet').first().waitFor({ timeout: 30_000 });
    const activated = async () =>
      listFiles(path.join(host.run, 'ud', 'logs'))
        .filter((f) => /exthost/i.test(f) && f.endsWith('.log'))
        .some((f) => /codex-tasks\.codex-tasks/.test(readFileSync(f, 'utf8')) && /ExtensionService#_doActivateExtension codex-tasks\.codex-tasks/.test(readFileSync(f, 'utf8')));
    const end = Date.now() + 30_000;
    while (!(await activated()) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(await activated(), 'the extension host log records the activation of codex-tasks.codex-tasks');
  });
});
