#!/usr/bin/env node
// `npm test`: builds, then runs every tier and ends with one line `N passed, N failed` summing them.
//   pure         node's test runner over src/core without processes: reducer, guards, framer, parsers,
//                renderer and the golden rendered transcripts (seconds)
//   process      src/core with real processes: lifecycles of process trees, the reaper, locating the
//                real codex binaries, a 200 MB flood
//   integration  mocha inside the real VS Code extension host (code-server + headless chromium)
//   e2e          the real codex CLIs (0.169.0 and 0.153.4) against our mock Responses server; the
//                packaged .vsix in code-server; `npm start`'s offline demo driven through the workbench
//   soak         the short version of the soak and fault suite (`npm run soak` runs the long one)
// `node scripts/test.mjs pure e2e` runs only those tiers (`unit` is pure + process). Exits non-zero on
// any failure, and on a tier that ran no test.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const all = ['pure', 'process', 'integration', 'e2e', 'soak'];
const tiers = process.argv.slice(2).flatMap((a) => (a === 'unit' ? ['pure', 'process'] : [a])).filter((a) => all.includes(a));
const run = tiers.length ? tiers : all;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'codex-tasks-test-'));

function step(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

function exec(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    p.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Counts from a TAP file written by node's test runner. */
function tapCounts(file) {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const num = (k) => Number((new RegExp(`^# ${k} (\\d+)`, 'm').exec(text) ?? [])[1] ?? 0);
  return { passed: num('pass'), failed: num('fail') + num('cancelled'), skipped: num('skipped') + num('todo') };
}

async function nodeTests(name, dir) {
  const files = readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.test.js')).map((f) => path.join(dir, f));
  const tap = path.join(tmp, `${name}.tap`);
  const code = await exec(process.execPath, [
    '--test', '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const c = tapCounts(tap);
  if (code !== 0 && c.failed === 0) {
    c.failed = 1; // the runner itself failed (crash, load error)
  }
  return c;
}

async function integration() {
  const summary = path.join(tmp, 'integration.json');
  const code = await exec(process.execPath, ['out/test/integration/runTest.js'], { CODEX_TASKS_SUMMARY: summary });
  const c = existsSync(summary) ? JSON.parse(readFileSync(summary, 'utf8')) : { passed: 0, failed: 0, pending: 0 };
  const r = { passed: c.passed, failed: c.failed, skipped: c.pending ?? 0 };
  if (code !== 0 && r.failed === 0) {
    r.failed = 1;
  }
  return r;
}

step(process.execPath, ['esbuild.mjs']);
// The integration tests, and the e2e tests of the packaged extension and of the demo, run in the real
// editor host (code-server + chromium): installed on first use, as a newcomer's `npm test` needs it.
if (run.includes('integration') || run.includes('e2e')) {
  step('bash', ['scripts/install-host.sh']);
}
const results = {};
for (const tier of run) {
  console.log(`\n=== ${tier} ===`);
  results[tier] = tier === 'integration' ? await integration() : await nodeTests(tier, `out/test/${tier}`);
}
console.log('\n=== summary ===');
let passed = 0;
let failed = 0;
let skipped = 0;
let empty = false;
for (const [tier, r] of Object.entries(results)) {
  console.log(`${tier.padEnd(12)} ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`);
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  if (r.passed + r.failed === 0) {
    console.log(`${tier}: ran no test`);
    empty = true;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || empty ? 1 : 0);
