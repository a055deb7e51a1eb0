#!/usr/bin/env node
// `npm start`: installs the editor host if needed, builds and packages the extension, starts
// code-server on 127.0.0.1 with the .vsix installed and a demo workspace open, and prints the URL. By
// default the real `codex` from the dev dependencies runs against our offline demo model (no OpenAI
// account needed). What it starts, and with which settings, is test/harness/demoHost.js, which the
// demo test runs too.
//   npm start -- --real        use your own `codex` (from PATH or codexTasks.codexPath) and login
//   npm start -- --port 8080   a fixed port
// Ctrl+C stops everything it started.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const real = process.argv.includes('--real');
const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : undefined;

const install = spawnSync('bash', ['scripts/install-host.sh'], { cwd: root, stdio: 'inherit' });
if (install.status !== 0) {
  process.exit(install.status ?? 1);
}
const { buildDemo, startDemo } = require(path.join(root, 'test/harness/demoHost.js'));
let demo;
try {
  demo = await startDemo({ vsix: buildDemo(), real, port });
} catch (e) {
  console.error(`npm start: ${e.message}`);
  process.exit(1);
}
if (!real) {
  console.log(`offline demo model: ${demo.modelUrl} (CODEX_HOME=${demo.codexHome})`);
}

console.log(`
Codex Tasks is running in code-server: ${demo.url}

Try (open the URL in a browser):
${real ? '  - the Codex Tasks icon in the Activity Bar, then "New Task" (your own codex and login)\n' : `  - the Codex Tasks icon in the Activity Bar, then "Run Demo Scenario" (or F1 → "Codex Tasks: Run Demo
    Scenario…"): a shell command streaming its output, a file edit with a diff, an approval, a long
    task to kill
  - "New Task" with one of the demo's prompts, e.g. "List the files and count them" (the demo model
    knows only those; anything else gets a greeting)
  - right-click requests/list-files.json in the Explorer: "Run Request File…"
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
  await demo.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
