import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { DEMO_SCENARIOS } from '../../src/vscode/demoScenarios';
import { ROOT } from '../helpers/codexHome';

/**
 * `npm start`'s offline demo, as a user meets it: what start.mjs starts (test/harness/demoHost.js: the
 * .vsix installed into code-server, the demo's settings and environment, the demo model), opened in
 * chromium and driven only through the workbench (clicks and keys), as a newcomer would. It would
 * have caught a demo that cannot find codex ("The Codex CLI was not found") and a demo task that does
 * not finish. It also takes the README's picture: CODEX_TASKS_UPDATE_SCREENSHOT=1 writes it to
 * docs/screenshot.png (otherwise test-results/demo.png).
 */

interface DemoHost {
  url: string;
  host: { run: string; port: number; env: Record<string, string> };
  workspace: string;
  stop(): Promise<void>;
}
/* eslint-disable @typescript-eslint/no-require-imports */
const { buildDemo, startDemo, demoSettings } = require(path.join(ROOT, 'test/harness/demoHost.js')) as {
  buildDemo(): string;
  startDemo(o: { vsix: string; port?: number }): Promise<DemoHost>;
  demoSettings(o: { real: boolean }): { user: Record<string, unknown>; machine: Record<string, unknown> };
};
const { openBrowser } = require(path.join(ROOT, 'test/harness/codeServerHost.js')) as {
  openBrowser(h: object, o?: { tmpDir?: string }): Promise<{ browser: Browser; context: BrowserContext; page: Page }>;
};
/* eslint-enable @typescript-eslint/no-require-imports */

const NOT_FOUND = 'The Codex CLI was not found';
/** What the extension logs when it found the configured codex (the npm wrapper, run as its native binary). */
const FOUND_CONFIGURED = /codex 0\.169\.0 at .*\(native binary behind .*node_modules\/@openai\/codex\/bin\/codex\.js\)/;
const [FILES, TEST, , SUITE] = DEMO_SCENARIOS;
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) {
    await c().catch(() => undefined);
  }
});

function logFiles(dir: string): string[] {
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? logFiles(path.join(dir, d.name)) : d.name.endsWith('.log') ? [path.join(dir, d.name)] : []));
}

/** The extension's own log (Show Log) once it has looked for codex: the line that says what it found. */
async function codexLogLine(demo: DemoHost): Promise<string> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    for (const f of logFiles(path.join(demo.host.run, 'ud/logs'))) {
      const line = readFileSync(f, 'utf8').split('\n').find((l) => /\] (codex \d+\.\d+\.\d+ at |Codex CLI not found|.*codexPath)/.test(l));
      if (line) {
        return line;
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the extension logged nothing about codex within 60 s');
}

/** Opens the workbench at the URL npm start prints, and the Codex Tasks view from the Activity Bar. */
async function openView(page: Page, demo: DemoHost): Promise<Locator> {
  await page.goto(demo.url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
  const sidebar = page.locator('.part.sidebar');
  const title = sidebar.locator('.composite.title', { hasText: 'Codex Tasks' });
  if (!(await title.isVisible())) {
    await page.locator('.activitybar [aria-label^="Codex Tasks"]').first().click({ timeout: 60_000 });
  }
  await title.waitFor({ timeout: 30_000 });
  return sidebar;
}

/** A line of the output panel (monaco renders its spaces as no-break spaces). */
const outputText = (panel: Locator, text: string | RegExp) => panel.getByText(new RegExp((typeof text === 'string' ? text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : text.source).replace(/ /g, '\\s'))).first();

/** The tree row of the task whose label (its prompt's first line) is `label`. */
const row = (view: Locator, label: string) => view.locator('.monaco-list-row').filter({ hasText: label }).first();

/** Picks a demo scenario in the quick pick that Run Demo Scenario opens: types its prompt, clicks it. */
async function pickScenario(page: Page, prompt: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill(prompt);
  const item = widget.locator('.monaco-list-row', { hasText: prompt }).first();
  await item.waitFor({ timeout: 10_000 });
  await item.click();
  await widget.waitFor({ state: 'hidden', timeout: 15_000 });
}

/** F1 → "Codex Tasks: Run Demo Scenario…" → the scenario. */
async function runFromPalette(page: Page, prompt: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill('>Codex Tasks: Run Demo Scenario');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Run Demo Scenario' }).first().click({ timeout: 10_000 });
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Run Demo Scenario' }).waitFor({ timeout: 30_000 });
  await pickScenario(page, prompt);
}

/** A context menu entry of a task row. */
async function rowMenu(page: Page, r: Locator, entry: string): Promise<void> {
  await r.click({ button: 'right' });
  const menu = page.locator('.context-view .monaco-menu');
  const item = menu.locator('.action-item', { hasText: new RegExp(`^${entry}$`) }).first();
  await item.waitFor({ timeout: 15_000 });
  // The menu ignores a click that follows its opening too closely (the right button's release): point
  // at the entry first, and click again if the menu is still up.
  for (let i = 0; i < 3 && (await menu.isVisible()); i++) {
    await item.hover();
    await new Promise((res) => setTimeout(res, 250));
    await item.click().catch(() => undefined);
    await menu.waitFor({ state: 'hidden', timeout: 3000 }).catch(() => undefined);
  }
  assert.ok(!(await menu.isVisible()), `the context menu took "${entry}"`);
}

describe('npm start: the offline demo in the real workbench', () => {
  it('writes machine-scoped settings where a remote window reads them', () => {
    // code-server's workbench is a remote window: it reads `machine` settings only from the remote
    // machine's settings, and ignores them in the user settings (once it knows their scope).
    const { contributes } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { scope?: string }> } } };
    const scope = (k: string) => contributes.configuration.properties[k]?.scope ?? 'window';
    const { user, machine } = demoSettings({ real: false });
    assert.deepEqual(Object.keys(user).filter((k) => /^machine/.test(scope(k))), [], 'no machine-scoped setting in the user settings');
    assert.ok('codexTasks.codexPath' in machine, 'the demo sets the codex path');
  });

  it('finds codex as npm start configures it and runs the demo tasks to the end through the UI', async () => {
    const vsix = buildDemo();
    const shots = path.join(ROOT, 'test-results');
    mkdirSync(shots, { recursive: true });
    // The browser outlives the first host (the second session reconnects to the same origin).
    const browserTmp = mkdtempSync(path.join(os.tmpdir(), 'codex-tasks-demo-browser-'));
    cleanups.push(async () => rmSync(browserTmp, { recursive: true, force: true }));

    const demo = await startDemo({ vsix });
    cleanups.push(() => demo.stop());
    const { browser, context, page } = await openBrowser(demo.host, { tmpDir: browserTmp });
    cleanups.push(() => browser.close());
    // On a failure, what the workbench showed (test-results/demo-failure*.png).
    let passed = false;
    cleanups.push(async () => {
      for (const [i, p] of passed ? [] : context.pages().entries()) {
        await p.screenshot({ path: path.join(shots, `demo-failure${i || ''}.png`) });
      }
    });
    const view = await openView(page, demo);

    // The extension found the dev dependency's codex through the configured path (not by chance on PATH).
    const found = await codexLogLine(demo);
    assert.match(found, FOUND_CONFIGURED, found);
    await new Promise((r) => setTimeout(r, 1000)); // the welcome follows the log line
    assert.equal(await page.getByText(NOT_FOUND).count(), 0, 'no "codex not found" welcome');

    // The welcome's Run Demo Scenario button → the shell scenario, to `completed`.
    await view.locator('.welcome-view-content .monaco-button', { hasText: 'Run Demo Scenario' }).click({ timeout: 30_000 });
    await pickScenario(page, FILES.prompt);
    const files = row(view, FILES.prompt);
    await files.locator('.codicon-check').waitFor({ timeout: 90_000 });
    await rowMenu(page, files, 'Show Output');
    const output = page.locator('.part.panel');
    await outputText(output, /There are \d+ files in the workspace\./).waitFor({ timeout: 30_000 });
    await outputText(output, 'task completed').waitFor({ timeout: 30_000 });

    // The README's picture: a finished edit, a running command with its output, the status bar.
    await runFromPalette(page, TEST.prompt);
    await row(view, TEST.prompt).locator('.codicon-check').waitFor({ timeout: 90_000 });
    await runFromPalette(page, SUITE.prompt);
    const suite = row(view, SUITE.prompt);
    await view.locator('.monaco-list-row', { hasText: /\$ .*seq 1 60/ }).first().waitFor({ timeout: 90_000 });
    await rowMenu(page, suite, 'Show Output');
    await outputText(output, 'test 3 of 60 ... ok').waitFor({ timeout: 30_000 });
    await page.locator('.statusbar-item', { hasText: /Codex 1 · / }).first().waitFor({ timeout: 30_000 });
    await page.mouse.move(1000, 450); // no hover tooltip in the picture
    await new Promise((r) => setTimeout(r, 1500));
    const shot = path.join(shots, 'demo.png');
    await page.screenshot({ path: shot });
    assert.ok(statSync(shot).size > 20_000, 'a real screenshot');
    if (process.env.CODEX_TASKS_UPDATE_SCREENSHOT === '1') {
      copyFileSync(shot, path.join(ROOT, 'docs/screenshot.png'));
    }

    // Kill from the row: it ends `killed`.
    await rowMenu(page, suite, 'Kill');
    await suite.locator('.codicon-circle-slash').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByText(NOT_FOUND).count(), 0);
    const port = demo.host.port;
    await page.close();
    await demo.stop();

    // npm start again on the same port, in the same browser (`npm start -- --port`, the tab reloaded):
    // the workbench now knows the extension's settings before it reads them, which is when a
    // machine-scoped setting in the user settings is ignored.
    const again = await startDemo({ vsix, port });
    cleanups.push(() => again.stop());
    const page2 = await context.newPage();
    const view2 = await openView(page2, again);
    const found2 = await codexLogLine(again);
    assert.match(found2, FOUND_CONFIGURED, found2);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await page2.getByText(NOT_FOUND).count(), 0, 'no "codex not found" welcome on the second start');
    await view2.locator('.welcome-view-content .monaco-button', { hasText: 'Run Demo Scenario' }).click({ timeout: 30_000 });
    await pickScenario(page2, FILES.prompt);
    await row(view2, FILES.prompt).locator('.codicon-check').waitFor({ timeout: 90_000 });
    passed = true;
  });
});
