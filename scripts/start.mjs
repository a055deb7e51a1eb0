#!/usr/bin/env node
// `npm start`: builds and packages the extension, starts code-server on 127.0.0.1 with the .vsix
// installed and a demo workspace open, and prints the URL. By default the real `codex` from the dev
// dependencies runs against our offline mock model (no OpenAI account needed).
//   npm start -- --real        use your own `codex` (from PATH or codexTasks.codexPath) and login
//   npm start -- --port 8080   a fixed port
// Ctrl+C stops everything it started.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const real = process.argv.includes('--real');
const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : undefined;

function step(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.exit(r.status ?? 1);
  }
}

step('bash', ['scripts/install-host.sh']);
step(process.execPath, ['esbuild.mjs']); // the mock server lives in the test build
step(process.execPath, ['scripts/package.mjs']);
const { version } = require(path.join(root, 'package.json'));
const vsix = path.join(root, `codex-tasks-${version}.vsix`);

const cleanups = [];
let mock;
const env = {};
const userSettings = { 'workbench.startupEditor': 'readme', 'codexTasks.defaultApprovalPolicy': 'never' };
if (!real) {
  mock = spawn(process.execPath, [path.join(root, 'out/test/mock/serve.js'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    mock.stdout.on('data', (d) => {
      const m = /listening on (\S+)/.exec(String(d));
      if (m) {
        resolve(m[1]);
      }
    });
    mock.on('exit', (c) => reject(new Error(`mock server exited (${c})`)));
  });
  cleanups.push(() => mock.kill('SIGTERM'));
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-tasks-demo-home-'));
  writeFileSync(
    path.join(home, 'config.toml'),
    `model = "gpt-5.5"\nmodel_provider = "demo"\n\n[model_providers.demo]\nname = "Codex Tasks offline demo model"\nbase_url = "${url}"\nwire_api = "responses"\nenv_key = "CODEX_TASKS_DEMO_KEY"\n`,
  );
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  Object.assign(env, { CODEX_HOME: home, CODEX_TASKS_DEMO_KEY: 'demo', CODEX_TASKS_DEMO: '1' });
  userSettings['codexTasks.codexPath'] = path.join(root, 'node_modules/@openai/codex/bin/codex.js');
  console.log(`offline demo model: ${url} (CODEX_HOME=${home})`);
}
const workspace = mkdtempSync(path.join(os.tmpdir(), 'codex-tasks-demo-'));
cpSync(path.join(root, 'demo/workspace'), workspace, { recursive: true });
cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));

const { startCodeServer } = require(path.join(root, 'test/harness/codeServerHost.js'));
const host = await startCodeServer({ folder: workspace, vsix, userSettings, env, port });
cleanups.unshift(() => host.stop());

console.log(`
Codex Tasks is running in code-server: ${host.url}?folder=${encodeURIComponent(workspace)}

Try (open the URL in a browser):
${real ? '  - the Codex Tasks icon in the Activity Bar, then "New Task" (your own codex and login)\n' : `  - the Codex Tasks icon in the Activity Bar, then "Run Demo Scenario" (or F1 → "Codex Tasks: Run Demo
    Scenario…"): shell commands streaming output, a file edit with a diff, an approval, a long task to kill
  - "New Task" with your own prompt (the demo model answers "[[scenario:shell]] …", "[[scenario:patch]] …")
  - right-click requests/shell.json in the Explorer: "Run Request File…"
  (offline demo model; \`npm start -- --real\` uses your own codex and login)
`}
Press Ctrl+C to stop.`);

let stopping = false;
const stop = async () => {
  if (stopping) {
    return;
  }
  stopping = true;
  console.log('\nstopping…');
  for (const c of cleanups) {
    await c();
  }
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
