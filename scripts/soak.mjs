#!/usr/bin/env node
// `npm run soak`: the long soak and fault suite (SOAK=long: 100-task kill storm, 20 concurrent real
// codex tasks, 5 runs of every fault). Prints the table and writes it into RELIABILITY.md between the
// `<!-- soak:begin -->` and `<!-- soak:end -->` markers. Exits non-zero when a case failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

if (run(process.execPath, ['esbuild.mjs']) !== 0) {
  process.exit(1);
}
const code = run(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', 'out/test/soak/soak.test.js'], { SOAK: 'long' });
const file = path.join(root, 'test-results/soak-long.json');
if (!existsSync(file)) {
  console.error('soak: no results were written');
  process.exit(1);
}
const { date, rows } = JSON.parse(readFileSync(file, 'utf8'));
const table = [
  '| case | runs | failures | leaked processes | lost bytes | notes |',
  '| --- | ---: | ---: | ---: | ---: | --- |',
  ...rows.map((r) => `| ${r.case} | ${r.runs} | ${r.failures} | ${r.leaked} | ${r.lostBytes} | ${r.notes} |`),
].join('\n');
const md = path.join(root, 'RELIABILITY.md');
const text = readFileSync(md, 'utf8');
const block = `<!-- soak:begin -->\nLatest long run: ${date.slice(0, 10)}, this machine, ${rows.length} cases.\n\n${table}\n<!-- soak:end -->`;
writeFileSync(md, text.replace(/<!-- soak:begin -->[\s\S]*<!-- soak:end -->/, block));
console.log(`\n${table}\n\nRELIABILITY.md updated.`);
process.exit(code);
