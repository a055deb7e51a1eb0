// Starts code-server (the VS Code server build, from npm) on a free 127.0.0.1 port with throwaway
// user-data, extensions and XDG dirs, and opens its web workbench in Debian's headless chromium
// (playwright-core). Shared by the integration-test launcher, the screenshot test and `npm start`.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const HOST_DIR = process.env.CODEX_TASKS_HOST_DIR || path.join(ROOT, '.vscode-test/host');
const CODE_SERVER = process.env.CODE_SERVER || path.join(HOST_DIR, 'cs/node_modules/.bin/code-server');
const NODE24_BIN = process.env.NODE24_BIN || path.join(HOST_DIR, 'node24/node_modules/node/bin');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });

const waitHttp = (url, ms) =>
  new Promise((resolve, reject) => {
    const end = Date.now() + ms;
    const tick = () =>
      http
        .get(url, (r) => {
          r.resume();
          resolve();
        })
        .on('error', () => (Date.now() > end ? reject(new Error(`code-server did not answer ${url}`)) : setTimeout(tick, 100)));
    tick();
  });

/**
 * userSettings go to the user settings; machineSettings to the remote machine's settings
 * (`<user-data-dir>/Machine/settings.json`): the workbench is a remote window, which reads
 * machine-scoped settings (such as codexTasks.codexPath) from there, and ignores them in the user
 * settings once it knows their scope. baseEnv (default: this process's environment) is what
 * code-server's environment starts from; env is added on top.
 * @param {{ folder?: string, userSettings?: object, machineSettings?: object, extensionsDir?: string, vsix?: string, port?: number, smokeTestDriver?: boolean, restricted?: boolean, env?: object, baseEnv?: object, keepDir?: boolean }} opts
 */
async function startCodeServer(opts = {}) {
  if (!fs.existsSync(CODE_SERVER)) {
    throw new Error(`code-server not found at ${CODE_SERVER}; run scripts/install-host.sh (npm test and npm start do it for you)`);
  }
  const run = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-tasks-host-'));
  for (const d of ['ud/User', 'ud/Machine', 'ext', 'ws', 'tmp', 'rt', 'xdg/data', 'xdg/cache', 'xdg/config']) {
    fs.mkdirSync(path.join(run, d), { recursive: true, mode: 0o700 });
  }
  const folder = path.resolve(opts.folder || path.join(run, 'ws'));
  fs.writeFileSync(
    path.join(run, 'ud/User/settings.json'),
    JSON.stringify(
      {
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'workbench.enableExperiments': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'npm.fetchOnlinePackageInfo': false,
        'git.autofetch': false,
        'chat.disableAIFeatures': true,
        'security.workspace.trust.enabled': false,
        ...(opts.userSettings || {}),
      },
      null,
      1,
    ),
  );
  fs.writeFileSync(path.join(run, 'ud/Machine/settings.json'), JSON.stringify(opts.machineSettings || {}, null, 1));
  const port = opts.port || (await freePort());
  fs.writeFileSync(path.join(run, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  // Everything code-server, the extension host and chromium write stays in the run dir.
  const isolated = {
    TMPDIR: path.join(run, 'tmp'),
    XDG_RUNTIME_DIR: path.join(run, 'rt'),
    XDG_DATA_HOME: path.join(run, 'xdg/data'),
    XDG_CACHE_HOME: path.join(run, 'xdg/cache'),
    XDG_CONFIG_HOME: path.join(run, 'xdg/config'),
  };
  const base = opts.baseEnv || process.env;
  const env = { ...base, ...(opts.env || {}), ...isolated, PATH: `${NODE24_BIN}:${base.PATH}`, EXTENSIONS_GALLERY: '{}' };
  const extensionsDir = opts.extensionsDir || path.join(run, 'ext');
  if (opts.vsix) {
    // Installed the way a user installs a .vsix: code-server --install-extension.
    const r = require('node:child_process').spawnSync(
      CODE_SERVER,
      ['--user-data-dir', path.join(run, 'ud'), '--extensions-dir', extensionsDir, '--install-extension', opts.vsix, '--force'],
      { env, encoding: 'utf8' },
    );
    if (r.status !== 0) {
      throw new Error(`code-server --install-extension ${opts.vsix} failed: ${r.stdout}${r.stderr}`);
    }
  }
  const log = fs.openSync(path.join(run, 'code-server.log'), 'w');
  const args = [
    '--config', path.join(run, 'config.yaml'),
    '--user-data-dir', path.join(run, 'ud'),
    '--extensions-dir', extensionsDir,
    '--disable-telemetry', '--disable-update-check',
    ...(opts.restricted ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override', '--ignore-last-opened',
    // If this process is SIGKILLed, code-server ends itself once no client is connected.
    '--idle-timeout-seconds', process.env.IDLE_TIMEOUT || '120',
  ];
  // A built workbench honours the URL `payload` (extensionDevelopmentPath / extensionTestsPath) only
  // with developmentOptions.enableSmokeTestDriver, which the server sets from this option.
  if (opts.smokeTestDriver) {
    args.push('--vscode-option', 'enable-smoke-test-driver');
  }
  args.push(folder);
  const cs = spawn(CODE_SERVER, args, { env, detached: true, stdio: ['ignore', log, log] });
  const exited = new Promise((r) => cs.on('exit', r));
  let stopping;
  const host = {
    run,
    port,
    folder,
    env: isolated,
    extensionsDir,
    url: `http://127.0.0.1:${port}/`,
    logTail: (n = 40) => {
      try {
        return fs.readFileSync(path.join(run, 'code-server.log'), 'utf8').split('\n').slice(-n).join('\n');
      } catch {
        return '';
      }
    },
    stop: () =>
      (stopping ??= (async () => {
        // detached: -pid is code-server's own group (server, extension host, watchers).
        try {
          process.kill(-cs.pid, 'SIGTERM');
        } catch {}
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        await new Promise((r) => setTimeout(r, 200));
        try {
          process.kill(-cs.pid, 'SIGKILL');
        } catch {}
        if (!opts.keepDir && !process.env.KEEP_TMP) {
          fs.rmSync(run, { recursive: true, force: true });
        }
      })()),
  };
  try {
    await waitHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
  } catch (e) {
    await host.stop();
    throw e;
  }
  return host;
}

/**
 * Headless chromium on the workbench, with every non-loopback request refused. opts.tmpDir: where
 * chromium's profile and playwright's artifacts go (default: the host's run dir, removed with it; a
 * browser that outlives its host needs its own).
 */
async function openBrowser(host, opts = {}) {
  const { chromium } = require(require.resolve('playwright-core', { paths: [ROOT] }));
  // playwright puts its profile and artifacts in os.tmpdir(): keep them in the run dir.
  process.env.TMPDIR = opts.tmpDir || host.env.TMPDIR;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, ...host.env, TMPDIR: process.env.TMPDIR },
    // Playwright's own handlers would exit before code-server is stopped (and leak it).
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
  const context = await browser.newContext({ viewport: opts.viewport || { width: 1440, height: 900 } });
  await context.route('**/*', (r) => (/^(https?|wss?):\/\/(127\.0\.0\.1|localhost)(:|\/)/.test(r.request().url()) ? r.continue() : r.abort()));
  const page = await context.newPage();
  return { browser, context, page };
}

module.exports = { startCodeServer, openBrowser, ROOT, CODE_SERVER, NODE24_BIN, CHROMIUM };
