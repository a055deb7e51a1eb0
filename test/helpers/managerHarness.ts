import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../src/core/base/logger';
import { TaskManager, type ManagerSettings } from '../../src/core/engine/taskManager';
import type { TaskState } from '../../src/core/model/taskState';
import { isFinal } from '../../src/core/model/taskState';
import { ROOT } from './codexHome';

export const FAKE_CODEX_JS = path.join(ROOT, 'out/test/fixtures/fakeCodex.js');

/** An executable `codex` that runs our fake with this node (tests need a real file on disk). */
export function fakeCodexBin(dir = mkdtempSync(path.join(os.tmpdir(), 'fake-codex-'))): string {
  const bin = path.join(dir, 'codex');
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${FAKE_CODEX_JS}" "$@"\n`);
  chmodSync(bin, 0o755);
  return bin;
}

export interface Logged {
  readonly lines: string[];
  readonly logger: Logger;
}

export function memoryLogger(): Logged {
  const lines: string[] = [];
  const at = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, logger: { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

export function makeManager(settings: Partial<ManagerSettings> & { codexPath: string }, env: NodeJS.ProcessEnv = process.env) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'codex-tasks-'));
  const log = memoryLogger();
  const s: ManagerSettings = { transport: 'auto', maxConcurrentTasks: 4, killGraceMs: 1000, ...settings };
  const manager = new TaskManager({ logDir: path.join(dir, 'logs'), stateDir: path.join(dir, 'state'), logger: log.logger, settings: () => s, env });
  return { manager, dir, log, settings: s };
}

/** Resolves with the task's state once `pred` holds (checked on every change). */
export function waitFor(manager: TaskManager, id: string, pred: (s: TaskState) => boolean, timeoutMs = 60_000): Promise<TaskState> {
  return new Promise((resolve, reject) => {
    const now = manager.get(id);
    if (now && pred(now)) {
      resolve(now);
      return;
    }
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting on task ${id}; last state: ${JSON.stringify(manager.get(id), null, 1).slice(0, 3000)}`));
    }, timeoutMs);
    const sub = manager.onDidChangeTask(({ task }) => {
      if (task.id === id && pred(task)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(task);
      }
    });
  });
}

export const waitFinal = (m: TaskManager, id: string, timeoutMs?: number) => waitFor(m, id, (s) => isFinal(s.status), timeoutMs);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `cond` holds or the time is up; returns whether it held. */
export async function until(cond: () => boolean, timeoutMs = 10_000, stepMs = 25): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) {
      return false;
    }
    await sleep(stepMs);
  }
  return true;
}

/** The part of vscode.Memento that History uses. */
export function memento(): { get<T>(key: string): T | undefined; update(key: string, value: unknown): Promise<void> } {
  const m = new Map<string, unknown>();
  return { get: <T>(k: string) => m.get(k) as T | undefined, update: async (k: string, v: unknown) => void m.set(k, v) };
}
