import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as vscode from 'vscode';
import type { CodexTasksApi } from '../../../src/vscode/api';
import type { TaskState } from '../../../src/core/model/taskState';

export const EXTENSION_ID = 'codex-tasks.codex-tasks';
export const WORKSPACE = process.env.CODEX_TASKS_TEST_WORKSPACE ?? '';
export const CODEX = process.env.CODEX_TASKS_TEST_CODEX ?? '';
export const CODEX_LEGACY = process.env.CODEX_TASKS_TEST_CODEX_LEGACY ?? '';

export async function api(): Promise<CodexTasksApi> {
  const ext = vscode.extensions.getExtension<CodexTasksApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
  return ext.isActive ? ext.exports : ext.activate();
}

export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('codexTasks').update(key, value, vscode.ConfigurationTarget.Global);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) {
      return v;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(50);
  }
}

export function waitTask(a: CodexTasksApi, id: string, pred: (t: TaskState) => boolean, timeoutMs = 90_000): Promise<TaskState> {
  return until(() => {
    const t = a.tasks.find((x) => x.id === id);
    return t && pred(t) ? t : undefined;
  }, timeoutMs, `task ${id}`);
}

export function request(prompt: string, extra: Record<string, unknown> = {}) {
  return { prompt, cwd: WORKSPACE, approvalPolicy: 'never', sandbox: 'workspace-write', ...extra };
}

/** Calls the loopback bridge to the browser page that shows this workbench (real UI input and reads). */
export function bridge(what: string, params: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const base = process.env.CODEX_TASKS_PAGE_BRIDGE;
  assert.ok(base, 'the page bridge of the code-server host');
  const url = new URL(base);
  url.pathname = `/${what}`;
  for (const [k, v] of Object.entries(params)) {
    url.searchParams.set(k, v);
  }
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body || '{}') as Record<string, unknown>) : reject(new Error(`bridge ${what}: HTTP ${res.statusCode} ${body}`))));
      })
      .on('error', reject);
  });
}
