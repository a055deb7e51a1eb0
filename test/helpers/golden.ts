import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './codexHome';

/**
 * Golden text, the way vscode-js-debug keeps it: the expected output is a file in the repository,
 * compared character for character. `UPDATE_GOLDEN=1` rewrites the files instead (and checks
 * nothing): run it only on purpose, and review the diff of the golden files like code.
 */
export function matchGolden(file: string, actual: string): void {
  const rel = path.relative(ROOT, file);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `no golden file ${rel}: run the test with UPDATE_GOLDEN=1, then review it`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${rel} differs (if the change is intended: UPDATE_GOLDEN=1, then review the diff)`);
}
