/**
 * The extension-tests entry point (--extensionTestsPath): runs every *.test.js next to it with mocha,
 * inside the extension host, and records the counts for the runner. A rejected promise makes the
 * workbench report exit code 1.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 120_000, reporter: 'spec' });
  // The Restricted Mode host runs only the suites made for it, and the trusted host skips them. After
  // the history test reloads the workbench, the reloaded window runs only what checks the reload.
  const restricted = process.env.CODEX_TASKS_RESTRICTED === '1';
  const reloadFile = `${process.env.CODEX_TASKS_RESULTS}.reload`;
  const afterReload = !restricted && existsSync(reloadFile);
  const before = afterReload ? (JSON.parse(readFileSync(reloadFile, 'utf8')) as { counts: { passed: number; failed: number; pending: number } }).counts : { passed: 0, failed: 0, pending: 0 };
  if (afterReload) {
    mocha.grep('after the window reload');
  } else {
    mocha.grep(restricted ? 'Restricted Mode' : process.env.CODEX_TASKS_TEST_GREP || 'Restricted Mode|after the window reload');
    if (!restricted && !process.env.CODEX_TASKS_TEST_GREP) {
      mocha.invert();
    }
  }
  for (const f of readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js')) {
      mocha.addFile(path.join(__dirname, f));
    }
  }
  return new Promise((resolve, reject) => {
    try {
      // The reload test reads the counts so far: the reload ends this run before mocha reports them.
      (globalThis as { codexTasksCountsSoFar?: () => object }).codexTasksCountsSoFar = () => ({ passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? 0, pending: runner.stats?.pending ?? 0 });
      const runner = mocha.run((failures) => {
        void failures;
        const s = runner.stats ?? { passes: 0, failures, pending: 0 };
        const result = { passed: before.passed + s.passes, failed: before.failed + s.failures, pending: before.pending + s.pending };
        if (process.env.CODEX_TASKS_RESULTS) {
          writeFileSync(process.env.CODEX_TASKS_RESULTS, JSON.stringify(result));
        }
        console.log(`${result.passed} passed, ${result.failed} failed${result.pending ? `, ${result.pending} skipped` : ''}`);
        if (result.failed > 0) {
          reject(new Error(`${result.failed} tests failed.`));
        } else {
          resolve();
        }
      });
      // Each failure is printed when it happens: a run that the reload test ends never reaches
      // mocha's summary, and its failures must still be readable.
      runner.on('fail', (test, err: Error) => {
        console.log(`FAILED: ${test.fullTitle()}\n${err.stack ?? err.message}`);
      });
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
