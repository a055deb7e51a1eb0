// What `npm start` builds and starts: the .vsix, the offline demo model, a copy of demo/workspace and
// code-server with the .vsix installed and the demo's settings and environment. scripts/start.mjs
// (the command) and the demo test (test/e2e/demo.test.ts) both run exactly this, so that the test sees
// what a user gets.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startCodeServer, ROOT } = require('./codeServerHost');

/** The dev dependency's codex (its npm wrapper; the extension runs the native binary behind it). */
const DEMO_CODEX = path.join(ROOT, 'node_modules/@openai/codex/bin/codex.js');

/** Builds the extension and the test build (the demo model lives there), then packages the .vsix; returns its path. */
function buildDemo() {
  for (const args of [['esbuild.mjs'], ['scripts/package.mjs']]) {
    const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) {
      throw new Error(`node ${args.join(' ')} failed (${r.status ?? r.signal})`);
    }
  }
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return path.join(ROOT, `codex-tasks-${version}.vsix`);
}

/**
 * The environment without what an npm script adds (npm_* variables, node_modules/.bin first on
 * PATH): the editor runs as if started from the user's shell, so the demo cannot find the dev
 * dependency's codex on PATH by chance (it comes from the settings), and `--real` finds the user's own
 * codex, not ours.
 */
function withoutNpmScript(env = process.env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    const l = k.toLowerCase();
    if (!l.startsWith('npm_') && l !== 'node' && l !== 'init_cwd') {
      out[k] = v;
    }
  }
  if (env.PATH !== undefined) {
    out.PATH = env.PATH.split(path.delimiter).filter((d) => !/[\\/](node_modules[\\/]\.bin|node-gyp-bin)$/.test(d)).join(path.delimiter);
  }
  return out;
}

/**
 * The demo's settings. codexTasks.codexPath is machine-scoped, and code-server's window is a remote
 * window: it goes to the remote machine's settings, where VS Code reads it (from the user settings it
 * was ignored whenever the workbench knew the setting's scope before reading them).
 */
function demoSettings({ real }) {
  return {
    user: { 'workbench.startupEditor': 'readme', 'codexTasks.defaultApprovalPolicy': 'never' },
    machine: real ? {} : { 'codexTasks.codexPath': DEMO_CODEX },
  };
}

/** Starts the demo model (a mock Responses API on 127.0.0.1); resolves with its URL and a stop. */
async function startDemoModel() {
  const mock = spawn(process.execPath, [path.join(ROOT, 'out/test/mock/serve.js'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => mock.once('exit', r));
  const stop = async () => {
    if (mock.exitCode === null && mock.signalCode === null) {
      mock.kill('SIGTERM');
    }
    await exited;
  };
  try {
    const url = await new Promise((resolve, reject) => {
      mock.stdout.on('data', (d) => {
        const m = /listening on (\S+)/.exec(String(d));
        if (m) {
          resolve(m[1]);
        }
      });
      void exited.then((c) => reject(new Error(`the demo model exited (${c})`)));
    });
    return { url, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Starts what `npm start` starts. opts: { vsix, real?, port? }. Resolves with the workbench URL (the
 * demo folder open), the code-server host, the workspace, the demo model's URL and CODEX_HOME (offline
 * demo only) and stop(), which ends and removes everything it started.
 */
async function startDemo({ vsix, real = false, port }) {
  const cleanups = [];
  const stop = async () => {
    while (cleanups.length) {
      await cleanups.pop()();
    }
  };
  try {
    const env = {};
    let model;
    let codexHome;
    if (!real) {
      model = await startDemoModel();
      cleanups.push(model.stop);
      codexHome = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-tasks-demo-home-'));
      cleanups.push(() => fs.rmSync(codexHome, { recursive: true, force: true }));
      fs.writeFileSync(
        path.join(codexHome, 'config.toml'),
        `model = "gpt-5.5"\nmodel_provider = "demo"\n\n[model_providers.demo]\nname = "Codex Tasks offline demo model"\nbase_url = "${model.url}"\nwire_api = "responses"\nenv_key = "CODEX_TASKS_DEMO_KEY"\n`,
      );
      // HOME too: codex runs the demo's commands in a login shell, and the user's ~/.bashrc has no
      // business there (on a machine with pyenv it printed warnings into the output, or stalled on
      // its lock when two shells started at once).
      const home = path.join(codexHome, 'home');
      fs.mkdirSync(home);
      Object.assign(env, { HOME: home, CODEX_HOME: codexHome, CODEX_TASKS_DEMO_KEY: 'demo', CODEX_TASKS_DEMO: '1' });
    }
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'codex-tasks-demo-'));
    cleanups.push(() => fs.rmSync(workspace, { recursive: true, force: true }));
    fs.cpSync(path.join(ROOT, 'demo/workspace'), workspace, { recursive: true });
    const settings = demoSettings({ real });
    const host = await startCodeServer({ folder: workspace, vsix, userSettings: settings.user, machineSettings: settings.machine, env, baseEnv: withoutNpmScript(), port });
    cleanups.push(() => host.stop());
    return { url: `${host.url}?folder=${encodeURIComponent(workspace)}`, host, workspace, modelUrl: model?.url, codexHome, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

module.exports = { buildDemo, startDemo, demoSettings, withoutNpmScript, DEMO_CODEX };
