import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Project root, from the bundled test file's location (out/test/<tier>/x.js) or the source tree. */
export const ROOT = (() => {
  let dir = __dirname;
  while (dir !== path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'esbuild.mjs'))) {
      return dir;
    }
    dir = path.dirname(dir);
  }
  throw new Error(`project root not found above ${__dirname}`);
})();

/** The real Codex CLIs from the dev dependencies (the npm wrappers; the engine resolves the native binary). */
export const CODEX_CURRENT = path.join(ROOT, 'node_modules/@openai/codex/bin/codex.js');
export const CODEX_LEGACY = path.join(ROOT, 'node_modules/@openai/codex-legacy/bin/codex.js');

/**
 * A throwaway CODEX_HOME whose config points codex at our mock Responses server. Without it codex
 * would use ~/.codex and the real OpenAI provider (shared/codex-protocol §1).
 */
export function makeCodexHome(mockUrl: string, model = 'gpt-5.5'): { home: string; env: NodeJS.ProcessEnv } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-home-'));
  writeFileSync(
    path.join(home, 'config.toml'),
    [
      `model = "${model}"`,
      'model_provider = "mock"',
      '',
      '[model_providers.mock]',
      'name = "Mock Responses"',
      `base_url = "${mockUrl}"`,
      'wire_api = "responses"',
      'env_key = "MOCK_API_KEY"',
      '',
      '[mcp_servers.mocktools]',
      `command = ${JSON.stringify(process.execPath)}`,
      `args = [${JSON.stringify(path.join(ROOT, 'out/test/mock/mcpToolServer.js'))}]`,
      'default_tools_approval_mode = "approve"',
      '',
      '[model_providers.dead]',
      'name = "Unreachable"',
      'base_url = "http://127.0.0.1:9/v1"',
      'wire_api = "responses"',
      'env_key = "MOCK_API_KEY"',
      '',
    ].join('\n'),
  );
  // HOME too: codex runs commands in a login shell, and this machine's ~/.bashrc (pyenv rehash) can
  // block for half a minute on a lock when two shells start at once. Tests get a clean login shell.
  const userHome = path.join(home, 'home');
  mkdirSync(userHome);
  return { home, env: { ...process.env, HOME: userHome, CODEX_HOME: home, MOCK_API_KEY: 'mock-key-not-secret' } };
}

/**
 * What @vscode/test-electron's runTests starts as "VS Code": our code-server launcher (VS Code cannot
 * be downloaded here), or a real VS Code binary from VSCODE_EXECUTABLE.
 */
export const hostExecutable = (): string => process.env.VSCODE_EXECUTABLE || path.join(ROOT, 'test/harness/code-shim.sh');
