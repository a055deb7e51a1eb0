#!/usr/bin/env node
// `npm run package`: production bundle, then codex-tasks-<version>.vsix (bundle, media, README,
// CHANGELOG, LICENSE only: .vscodeignore is an allow-list). Prints the file and its size.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, `codex-tasks-${version}.vsix`);
const vsce = path.join(root, 'node_modules/@vscode/vsce/vsce');
// The marketplace page cannot show repository-relative images without a public repository URL, and
// vsce refuses them: the packaged README leaves the screenshot out (the repository's README keeps it;
// it is restored even when packaging fails).
const readmePath = path.join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
writeFileSync(readmePath, readme.replace(/^!\[[^\]]*\]\(docs\/[^)]+\)\n\n(\*[^\n]*\n[^\n]*\*\n\n)?/m, ''));
let r;
try {
  r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', out], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
} finally {
  writeFileSync(readmePath, readme);
}
if (r.status !== 0) {
  process.exit(r.status ?? 1);
}
console.log(`${path.relative(root, out)}: ${(statSync(out).size / 1024).toFixed(1)} KiB`);
