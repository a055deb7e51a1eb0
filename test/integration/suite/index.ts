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
  // The Restricted Mode host runs only the suites made for it, and the trusted host skips them.
  const restricted = process.env.CODEX_TASKS_RESTRICTED === '1';
  mocha.grep(restricted ? 'Restricted Mode' : (process.env.CODEX_TASKS_TEST_GREP || 'Restricted Mode'));
  if (!restricted && !process.env.CODEX_TASKS_TEST_GREP) {
    mocha.invert();
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
