#!/usr/bin/env node
// Our stand-in for the VS Code executable that @vscode/test-electron's runTests launches: it takes the
// same --extensionDevelopmentPath / --extensionTestsPath flags (others, such as --no-sandbox or
// --user-data-dir=…, are ignored) and runs the tests inside the real extension host of code-server,
// driven by headless chromium. Exit code = the tests' exit code (1 on timeout or harness error).
//
// How: the URL `payload` carries extensionDevelopmentPath / extensionTestsPath as vscode-remote URIs;
// the workbench calls window.codeAutomationExit(code) when the extension host finishes the tests, and
// routes extension-host console output through window.codeAutomationLog (what VS Code's own browser
// integration tests use).
'use strict';
const path = require('node:path');
const util = require('node:util');
const { startCodeServer, openBrowser } = require('./codeServerHost');
const { startPageBridge } = require('./pageBridge');

const NOISE = /^(Ignoring fetching additional builtin|Resolving connection token|Resolved connection token|Creating a socket|\[reconnection-grace-time\]|Updating additional builtin|\[Service Worker\]|\[AgentHost|\[AccountPolicyGate\]|Model is disposed|Extension host \(Remote\) is (un)?responsive)/;

const argv = process.argv.slice(2);
const values = (name) => {
  const out = [];
  argv.forEach((a, i) => {
    if (a.startsWith(`--${name}=`)) {
      out.push(a.slice(name.length + 3));
    } else if (a === `--${name}` && argv[i + 1] && !argv[i + 1].startsWith('--')) {
      out.push(argv[i + 1]);
    }
  });
  return out;
};
const OWN = ['extensionDevelopmentPath', 'extensionTestsPath', 'folder', 'timeout'];
const devPaths = (values('extensionDevelopmentPath').length ? values('extensionDevelopmentPath') : ['.']).map((p) => path.resolve(p));
const testsPath = path.resolve(values('extensionTestsPath')[0] || path.join(devPaths[0], 'out/test/integration/suite/index.js'));
const timeoutS = Number(values('timeout')[0] || process.env.EXT_TEST_TIMEOUT || '900');
const positional = argv.filter((a, i) => !a.startsWith('-') && !(i > 0 && OWN.some((n) => argv[i - 1] === `--${n}`)));
const t0 = Date.now();
const ts = () => `[${((Date.now() - t0) / 1000).toFixed(1)}s]`;

(async () => {
  let host;
  let browser;
  let bridge;
  let exitCode = 1;
  const cleanup = async () => {
    if (browser) {
      await browser.close().catch(() => {});
    }
    if (host) {
      await host.stop();
    }
    if (bridge) {
      await bridge.close();
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => void cleanup().finally(() => process.exit(130)));
  }
  try {
    bridge = await startPageBridge();
    // CODEX_TASKS_RESTRICTED=1: workspace trust on and the folder untrusted (Restricted Mode).
    const restricted = process.env.CODEX_TASKS_RESTRICTED === '1';
    host = await startCodeServer({
      folder: values('folder')[0] || positional[0],
      smokeTestDriver: true,
      restricted,
      userSettings: restricted ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' } : {},
      env: { CODEX_TASKS_PAGE_BRIDGE: bridge.url },
    });
    console.log(ts(), `code-server up on 127.0.0.1:${host.port}`);
    const b = await openBrowser(host);
    browser = b.browser;
    const page = b.page;
    const done = new Promise((resolve) => void page.exposeFunction('codeAutomationExit', (code) => resolve(code)));
    await page.exposeFunction('codeAutomationLog', (_level, a) => {
      const text = util.format(...(Array.isArray(a) ? a : [a]));
      if (process.env.VERBOSE || !NOISE.test(text)) {
        console.log(text);
      }
    });
    page.on('pageerror', (e) => console.log('[pageerror]', String(e)));
    if (process.env.VERBOSE) {
      page.on('console', (m) => console.log(`[browser:${m.type()}]`, m.text().slice(0, 500)));
    }
    const auth = `127.0.0.1:${host.port}`;
    const payload = [
      ...devPaths.map((p) => ['extensionDevelopmentPath', `vscode-remote://${auth}${p}`]),
      ['extensionTestsPath', `vscode-remote://${auth}${testsPath}`],
      ['skipWelcome', 'true'],
    ];
    // The tests reach this page through a loopback bridge (screenshots, reload).
    bridge.setPage(page);
    await page.goto(`${host.url}?folder=${encodeURIComponent(host.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    console.log(ts(), 'workbench loaded; tests run in the remote extension host');
    const r = await Promise.race([done, new Promise((res) => setTimeout(() => res('timeout'), timeoutS * 1000))]);
    if (r === 'timeout') {
      console.log(ts(), `TIMEOUT after ${timeoutS}s`);
      exitCode = 1;
    } else {
      exitCode = r;
      console.log(ts(), 'extension host exited with code', r);
    }
  } catch (e) {
    console.error(ts(), 'harness error:', e);
    exitCode = 1;
  } finally {
    if (exitCode !== 0 && host) {
      console.log(`--- code-server log (tail) ---\n${host.logTail()}`);
    }
    await cleanup();
  }
  process.exit(exitCode);
})();
