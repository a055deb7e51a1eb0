/**
 * Runs the integration suites inside a real VS Code extension host. VS Code cannot be downloaded
 * here, so @vscode/test-electron's runTests gets our launcher as its "VS Code executable": it runs
 * code-server's extension host in headless chromium (test/harness/). Set VSCODE_EXECUTABLE to a
 * real VS Code binary to run the same suites there instead.
 *
 * The mock Responses server runs here, in this process, for the whole run; the extension host gets a
 * throwaway CODEX_HOME pointing at it.
 */
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { startMockServer } from '../mock/mockResponsesServer';
import { CODEX_CURRENT, CODEX_LEGACY, hostExecutable, makeCodexHome, ROOT } from '../helpers/codexHome';

async function main(): Promise<number> {
  const mock = await startMockServer();
  const { home, env } = makeCodexHome(mock.url);
  const workspace = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'codex-tasks-ws-')));
  mkdirSync(path.join(workspace, 'src'));
  writeFileSync(path.join(workspace, 'README.txt'), 'A workspace for the Codex Tasks integration tests.\n');
  writeFileSync(path.join(workspace, 'src', 'example.ts'), 'export function add(a: number, b: number) {\n  return a + b;\n}\n');
  const resultsFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'codex-tasks-results-')), 'integration.json');
  const shotDir = path.join(ROOT, 'test-results');
  mkdirSync(shotDir, { recursive: true });
  let code = 0;
  const results: { passed: number; failed: number; pending: number }[] = [];
  const run = async (restricted: boolean) => {
    const file = `${resultsFile}.${restricted ? 'restricted' : 'trusted'}.json`;
    try {
      await runTests({
      vscodeExecutablePath: hostExecutable(),
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(ROOT, 'out/test/integration/suite/index.js'),
      launchArgs: [workspace, '--disable-extensions'],
      extensionTestsEnv: {
        CODEX_TASKS_RESTRICTED: restricted ? '1' : '',
        CODEX_TASKS_DEMO: '1',
        CODEX_HOME: home,
        HOME: env.HOME,
        MOCK_API_KEY: env.MOCK_API_KEY,
        CODEX_TASKS_TEST_CODEX: CODEX_CURRENT,
        CODEX_TASKS_TEST_CODEX_LEGACY: CODEX_LEGACY,
        CODEX_TASKS_TEST_WORKSPACE: workspace,
        CODEX_TASKS_RESULTS: file,
        CODEX_TASKS_SHOTS: shotDir,
        CODEX_TASKS_TEST_GREP: process.env.CODEX_TASKS_TEST_GREP ?? '',
        CODEX_TASKS_PROBE_FAIL: process.env.CODEX_TASKS_PROBE_FAIL ?? '',
        CODEX_TASKS_DEBUG_SHOT: process.env.CODEX_TASKS_DEBUG_SHOT ?? '',
      },
      });
    } catch (e) {
      console.error(`integration (${restricted ? 'Restricted Mode' : 'trusted'}): ${(e as Error).message}`);
      code = 1;
    }
    // The counts travel back in a file: the runner's exit code alone cannot say how many ran.
    try {
      results.push(JSON.parse(readFileSync(file, 'utf8')) as { passed: number; failed: number; pending: number });
    } catch {
      console.error(`integration (${restricted ? 'Restricted Mode' : 'trusted'}): the suite wrote no results (it did not run, or crashed)`);
      code = 1;
    }
  };
  try {
    // One host for every trusted suite, and one in Restricted Mode (workspace trust cannot be toggled
    // inside a running window).
    await run(false);
    if (!process.env.CODEX_TASKS_TEST_GREP) {
      await run(true);
    }
  } finally {
    await mock.close();
  }
  const r = results.reduce((a, b) => ({ passed: a.passed + b.passed, failed: a.failed + b.failed, pending: a.pending + b.pending }), { passed: 0, failed: 0, pending: 0 });
  console.log(`integration: ${r.passed} passed, ${r.failed} failed${r.pending ? `, ${r.pending} skipped` : ''}`);
  if (process.env.CODEX_TASKS_SUMMARY) {
    writeFileSync(process.env.CODEX_TASKS_SUMMARY, JSON.stringify(r));
  }
  rmSync(workspace, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
  return code;
}

void main().then((c) => process.exit(c));
