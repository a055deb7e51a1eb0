import { mkdtempSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TransportPreference } from '../../src/core/process/codexLocator';
import { descendantsOf, readProc, type ProcInfo } from '../../src/core/process/procfs';
import type { TaskState } from '../../src/core/model/taskState';
import { startMockServer, type MockServer } from '../mock/mockResponsesServer';
import { CODEX_CURRENT, makeCodexHome } from './codexHome';
import { makeManager, until, waitFor } from './managerHarness';

export interface E2E {
  readonly mock: MockServer;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  /** A fresh workspace directory (realpath: codex reports resolved paths). */
  workspace(): string;
  manager(transport: TransportPreference, codexPath?: string, extra?: { killGraceMs?: number; maxConcurrentTasks?: number }): ReturnType<typeof makeManager>;
  close(): Promise<void>;
}

/** The real codex against our mock Responses server, in a throwaway CODEX_HOME. */
export async function startE2E(): Promise<E2E> {
  const mock = await startMockServer();
  const { home, env } = makeCodexHome(mock.url);
  const managers: ReturnType<typeof makeManager>[] = [];
  return {
    mock,
    env,
    home,
    workspace: () => realpathSync(mkdtempSync(path.join(os.tmpdir(), 'ws-'))),
    manager(transport, codexPath = CODEX_CURRENT, extra = {}) {
      const h = makeManager({ codexPath, transport, killGraceMs: extra.killGraceMs ?? 1500, maxConcurrentTasks: extra.maxConcurrentTasks ?? 4 }, env);
      managers.push(h);
      return h;
    },
    async close() {
      await Promise.all(managers.map((h) => h.manager.dispose()));
      await mock.close();
    },
  };
}

/** Waits until the task's codex has a live `sleep` descendant; returns the whole tree at that moment. */
export async function waitForSleep(h: ReturnType<typeof makeManager>, id: string): Promise<ProcInfo[]> {
  const s: TaskState = await waitFor(h.manager, id, (x) => x.pid !== undefined && x.status === 'running');
  let tree: ProcInfo[] = [];
  const ok = await until(() => {
    tree = descendantsOf(s.pid!);
    return tree.some((p) => p.comm === 'sleep');
  }, 30_000, 50);
  if (!ok) {
    throw new Error(`no sleep under codex ${s.pid}; tree: ${tree.map((p) => p.comm).join(',')}`);
  }
  return [readProc(s.pid!)!, ...tree];
}

export function aliveOf(procs: readonly ProcInfo[]): ProcInfo[] {
  return procs.filter((p) => {
    const now = readProc(p.pid);
    return now !== undefined && now.startTime === p.startTime && now.state !== 'Z';
  });
}

/** A request for the e2e tests: approval `never`, `workspace-write`, unless `extra` says otherwise. */
export function req(prompt: string, cwd: string, extra: Record<string, unknown> = {}) {
  return { prompt, cwd, approvalPolicy: 'never', sandbox: 'workspace-write', ...extra };
}
