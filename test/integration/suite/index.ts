/**
 * The extension-tests entry point (--extensionTestsPath): runs every *.test.js next to it with mocha,
 * inside the extension host, and records the counts for the runner. A rejected promise makes the
 * workbench report exit code 1.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 120_000, reporter: 'spec' });
  if (process.env.CODEX_TASKS_TEST_GREP) {
    mocha.grep(process.env.CODEX_TASKS_TEST_GREP);
  }
  for (const f of readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js')) {
      mocha.addFile(path.join(__dirname, f));
    }
  }
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const s = runner.stats ?? { passes: 0, failures, pending: 0 };
        const result = { passed: s.passes, failed: s.failures, pending: s.pending };
        if (process.env.CODEX_TASKS_RESULTS) {
          writeFileSync(process.env.CODEX_TASKS_RESULTS, JSON.stringify(result));
        }
        console.log(`${s.passes} passed, ${s.failures} failed${s.pending ? `, ${s.pending} skipped` : ''}`);
        if (failures > 0) {
          reject(new Error(`${failures} tests failed.`));
        } else {
          resolve();
        }
      });
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
