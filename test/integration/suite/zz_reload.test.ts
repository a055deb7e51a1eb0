import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAlive, readProc } from '../../../src/core/process/procfs';
import { isFinal } from '../../../src/core/model/taskState';
import { api, bridge, CODEX, request, setSetting, waitTask } from './helpers';

/**
 * History across a window reload, in two loads of the same workbench. Before: a finished task, a
 * running task, a leftover codex recorded by "an earlier window" and a recorded pid that is not ours;
 * then the page reloads. After: the history is back, the running task came back `interrupted (window
 * closed)`, the leftover was reaped and logged, the foreign process was left alone.
 */
const reloadFile = `${process.env.CODEX_TASKS_RESULTS}.reload`;

interface Before {
  counts: { passed: number; failed: number; pending: number };
  done: string;
  running: string;
  leftover: { pid: number; startTime: number };
  foreign: { pid: number; startTime: number };
}

function spawnSleep(): { pid: number; startTime: number } {
  const p = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  p.unref();
  const info = readProc(p.pid!);
  assert.ok(info);
  return { pid: p.pid!, startTime: info.startTime };
}

if (!existsSync(reloadFile)) {
  suite('window reload: history (before the reload)', () => {
    test('a finished task, a running task and recorded leftovers, then the workbench reloads', async () => {
      const a = await api();
      await setSetting('codexPath', CODEX);
      await setSetting('transport', 'app-server');
      const done = await a.start(request('[[scenario:simple]] kept in history'));
      await waitTask(a, done.id, (x) => isFinal(x.status));
      const running = await a.start(request('[[scenario:sleep]] running at reload', { sandbox: 'danger-full-access' }));
      await waitTask(a, running.id, (x) => x.activity?.startsWith('$ ') === true);
      const leftover = spawnSleep();
      const foreign = spawnSleep();
      const registry = a.testHooks!.registry;
      registry.add({ ...leftover, taskId: 'feed01', executable: 'codex', startedAt: Date.now() });
      // Same pid, another start time: a pid that was reused by a process that is not ours.
      registry.add({ pid: foreign.pid, startTime: foreign.startTime - 7, taskId: 'feed02', executable: 'codex', startedAt: Date.now() });
      const soFar = (globalThis as { codexTasksCountsSoFar?: () => Before['counts'] }).codexTasksCountsSoFar!();
      const before: Before = { counts: { ...soFar, passed: soFar.passed + 1 }, done: done.id, running: running.id, leftover, foreign };
      writeFileSync(reloadFile, JSON.stringify(before));
      await bridge('reload');
      // The reload ends this extension host; the reloaded window runs the checks below.
      await new Promise(() => undefined);
    }).timeout(0);
  });
} else {
  suite('after the window reload', () => {
    const before = JSON.parse(readFileSync(reloadFile, 'utf8')) as Before;

    test('finished tasks come back from workspace state with their tokens and raw log', async () => {
      const a = await api();
      const done = a.tasks.find((t) => t.id === before.done);
      assert.ok(done, `task ${before.done} is in the history`);
      assert.equal(done.status, 'completed');
      assert.ok(done.tokens.total && done.tokens.total.total > 0);
      assert.ok(done.rawLogPath && existsSync(done.rawLogPath));
      const node = a.testHooks!.tree.getChildren().find((n) => n.kind === 'task' && n.id === before.done);
      assert.ok(node, 'and in the tree');
    });

    test('the task running at reload was killed by deactivate and came back interrupted (window closed)', async () => {
      const a = await api();
      const t = a.tasks.find((x) => x.id === before.running);
      assert.ok(t, `task ${before.running} is in the history`);
      assert.equal(t.status, 'interrupted');
      assert.equal(t.endReason, 'window closed');
      assert.ok(t.pid && !existsSync(`/proc/${t.pid}`), 'its codex is gone');
    });

    test('a leftover recorded by the earlier window is reaped and logged; a recorded pid that is not ours is left alone', async () => {
      const a = await api();
      const r = await a.testHooks!.reaped;
      assert.deepEqual(r.reaped.map((x) => x.taskId), ['feed01']);
      assert.deepEqual(r.foreign.map((x) => x.taskId), ['feed02']);
      assert.equal(isAlive(before.leftover), false, 'the leftover was stopped');
      assert.equal(isAlive(before.foreign), true, 'the foreign process still runs');
      process.kill(before.foreign.pid, 'SIGKILL');
    });
  });
}
