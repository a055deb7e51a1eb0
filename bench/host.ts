/**
 * The benchmark figures that need the real extension host (figures 2b, 3, 4, 5a, 6b). `bench.ts` runs
 * this file as the extension-tests entry point of a code-server extension host (the integration tests'
 * harness): once with Codex Tasks loaded, once with an empty extension (the activation floor; a
 * workbench takes one development extension). Everything measured here is written as JSON to
 * CODEX_TASKS_BENCH_OUT; `bench.ts` judges it against the targets.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import Module from 'node:module';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as vscode from 'vscode';
import type { TaskEvent } from '../src/core/model/events';
import { isFinal, type TaskState } from '../src/core/model/taskState';
import type { CodexTasksApi } from '../src/vscode/api';
import { setSetting, sleep, waitTask } from '../test/integration/suite/helpers';
import { rawLogDigest } from './rawDigest';

const OURS = 'codex-tasks.codex-tasks';
const EMPTY = 'codex-tasks-bench.empty-extension';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) {
    throw new Error(`bench host: ${k} is not set`);
  }
  return v;
};
/**
 * With CODEX_TASKS_BENCH_PROFILE=<dir>, a CPU profile of `f` is written there as <name>.cpuprofile
 * (for finding where a missed figure's time goes; off in normal runs).
 */
async function profiled<T>(name: string, f: () => Promise<T>): Promise<T> {
  const dir = process.env.CODEX_TASKS_BENCH_PROFILE;
  if (!dir) {
    return f();
  }
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  try {
    return await f();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    writeFileSync(`${dir}/${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
}

/**
 * Times what VS Code calls an extension's activation time (code loading + the activate call + its
 * promise), by wrapping Node's loader for that one file: its `require` and then its `activate`.
 */
function instrument(file: string): { load?: number; activate?: number } {
  const loader = Module as unknown as { _extensions: Record<string, (m: { exports: Record<string, unknown> }, filename: string) => void> };
  const js = loader._extensions['.js'];
  const times: { load?: number; activate?: number } = {};
  loader._extensions['.js'] = function (m, filename) {
    if (filename !== file) {
      js.call(this, m, filename);
      return;
    }
    loader._extensions['.js'] = js;
    const t0 = performance.now();
    js.call(this, m, filename);
    times.load = performance.now() - t0;
    const exported = m.exports;
    const activate = exported.activate as (...a: unknown[]) => unknown;
    m.exports = {
      ...exported,
      activate: async (...a: unknown[]) => {
        const t1 = performance.now();
        try {
          return await activate(...a);
        } finally {
          times.activate = performance.now() - t1;
        }
      },
      deactivate: exported.deactivate,
    };
  };
  return times;
}

/** 5a. Activation of one extension, the first this host does once quiet. */
async function activation(id: string): Promise<Record<string, unknown>> {
  const ext = vscode.extensions.getExtension(id);
  if (!ext) {
    throw new Error(`bench host: extension ${id} is not loaded`);
  }
  const main = (ext.packageJSON as { main: string }).main;
  const times = instrument(require.resolve(path.join(ext.extensionPath, main)));
  const wasActive = ext.isActive;
  // The built-in extensions start with the host: wait until it has been quiet for a second (lag under
  // 5 ms), so that the figure is this extension's activation and not theirs.
  const quietSince = performance.now();
  for (let calm = 0; calm < 10 && performance.now() - quietSince < 30_000; ) {
    const t0 = performance.now();
    await sleep(100);
    calm = performance.now() - t0 < 105 ? calm + 1 : 0;
  }
  const t = performance.now();
  await profiled(`activate-${id}`, async () => ext.activate());
  const wallMs = performance.now() - t;
  if (times.load === undefined || times.activate === undefined) {
    throw new Error(`bench host: the loader hook did not see ${id} load (load ${times.load}, activate ${times.activate})`);
  }
  return { ms: times.load + times.activate, loadMs: times.load, activateMs: times.activate, wallMs, wasActive };
}

/** 6b. Command → spawned process: `codexTasks.newTask` with a full request, until the task has a pid. */
async function commandToSpawn(api: CodexTasksApi, workspace: string): Promise<Record<string, unknown>> {
  await setSetting('codexPath', env('CODEX_TASKS_TEST_CODEX'));
  await setSetting('transport', 'auto');
  const times: number[] = [];
  const runs = 20;
  for (let i = 0; i < runs + 2; i++) {
    let spawnedAt = 0;
    const sub = api.onDidChangeTask(({ event }) => {
      if (event?.type === 'spawned' && spawnedAt === 0) {
        spawnedAt = performance.now();
      }
    });
    const t0 = performance.now();
    const task = (await vscode.commands.executeCommand('codexTasks.newTask', { prompt: 'say hello', cwd: workspace, approvalPolicy: 'never', sandbox: 'read-only', skipConfirmation: true })) as TaskState;
    await waitTask(api, task.id, (t) => t.pid !== undefined || isFinal(t.status), 30_000);
    sub.dispose();
    const final = await waitTask(api, task.id, (t) => isFinal(t.status), 60_000);
    if (final.status !== 'completed') {
      throw new Error(`command → spawn run ${i}: task ended ${final.status}: ${final.error?.message}`);
    }
    // The first two runs warm up (the first also locates codex); they are not counted.
    if (i >= 2) {
      times.push(spawnedAt - t0);
    }
  }
  times.sort((a, b) => a - b);
  return { runs, medianMs: times[Math.floor(runs / 2)], worstMs: times[runs - 1], bestMs: times[0] };
}

const RESOLUTION_MS = 10;

/** What the fake codex reports having written (FAKE_CODEX_STATS). */
export interface FloodStats {
  deltas: number;
  outputBytes: number;
  stdoutBytes: number;
  sha256: string;
  seconds: number;
}

/** 3 and 2b. A fake codex streams 50,000 output deltas per second for 10 s into a task whose channel is open. */
async function flood(api: CodexTasksApi, workspace: string, statsFile: string): Promise<Record<string, unknown>> {
  const hooks = api.testHooks!;
  await setSetting('codexPath', env('CODEX_TASKS_BENCH_FAKE_CODEX'));
  await setSetting('transport', 'auto');
  await hooks.recheckCodex();
  Object.assign(process.env, { FAKE_CODEX_MODE: 'flood', FAKE_CODEX_FLOOD_RATE: '50000', FAKE_CODEX_FLOOD_SECONDS: '10', FAKE_CODEX_STATS: statsFile });

  // The floor: the same host, idle, for the same time.
  // The histogram records the time between ticks of a `resolution` ms timer: lag is that minus the resolution.
  const idle = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  idle.enable();
  await sleep(10_000);
  idle.disable();

  let outputChars = 0;
  const sub = api.onDidChangeTask(({ event }) => {
    if (event?.type === 'commandOutput') {
      outputChars += (event as Extract<TaskEvent, { type: 'commandOutput' }>).chunk.length;
    }
  });
  const lag = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const appends0 = hooks.channels.appends;
  const t0 = performance.now();
  lag.enable();
  const task = await api.start({ prompt: 'flood', cwd: workspace, approvalPolicy: 'never', sandbox: 'read-only' });
  await vscode.commands.executeCommand('codexTasks.showOutput', task.id);
  const final = await profiled('flood', () => waitTask(api, task.id, (t) => isFinal(t.status), 120_000));
  lag.disable();
  const seconds = (performance.now() - t0) / 1000;
  sub.dispose();
  await sleep(300); // the last batched append
  const appends = hooks.channels.appends - appends0;
  const text = api.getOutput(task.id);
  const { readFileSync } = await import('node:fs');
  const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as FloodStats;
  const tail = text.slice(-200);
  return {
    status: final.status,
    error: final.error?.message,
    rawLogPath: final.rawLogPath,
    // Read back after the measurement: every byte codex wrote, from the log on disk.
    disk: await rawLogDigest(final.rawLogPath!, 'out'),
    stats,
    seconds,
    lagP99Ms: lag.percentile(99) / 1e6 - RESOLUTION_MS,
    lagP50Ms: lag.percentile(50) / 1e6 - RESOLUTION_MS,
    lagMaxMs: lag.max / 1e6 - RESOLUTION_MS,
    idleP99Ms: idle.percentile(99) / 1e6 - RESOLUTION_MS,
    appends,
    appendsPerSecond: appends / seconds,
    outputChars,
    channelChars: hooks.channels.appended(`Codex Task ${task.id}`),
    // The cursor after everything: every character rendered, including what the bounded mirror dropped.
    renderedChars: hooks.outputs.since(task.id, 0).next,
    tailHasLastLine: tail.includes(`line ${stats.deltas - 1}\n`) && /→ exit 0/.test(tail),
  };
}

/** 4. A task whose command prints 1 GiB: growth of this host's live heap (after a forced GC) while it runs. */
async function memory(api: CodexTasksApi, workspace: string, statsFile: string): Promise<Record<string, unknown>> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  Object.assign(process.env, { FAKE_CODEX_MODE: 'flood', FAKE_CODEX_FLOOD_RATE: '0', FAKE_CODEX_FLOOD_BYTES: String(1024 ** 3), FAKE_CODEX_FLOOD_DELTA: String(256 * 1024), FAKE_CODEX_STATS: statsFile });
  gc();
  await sleep(200);
  gc();
  const base = process.memoryUsage().heapUsed;
  let peakLive = 0;
  let peakRaw = 0;
  let samples = 0;
  const t0 = performance.now();
  const task = await api.start({ prompt: 'one gigabyte', cwd: workspace, approvalPolicy: 'never', sandbox: 'read-only' });
  await vscode.commands.executeCommand('codexTasks.showOutput', task.id);
  let done = false;
  const finalP = waitTask(api, task.id, (t) => isFinal(t.status), 600_000).finally(() => {
    done = true;
  });
  while (!done) {
    await sleep(250);
    peakRaw = Math.max(peakRaw, process.memoryUsage().heapUsed - base);
    gc();
    peakLive = Math.max(peakLive, process.memoryUsage().heapUsed - base);
    samples++;
  }
  const final = await finalP;
  const seconds = (performance.now() - t0) / 1000;
  gc();
  const after = process.memoryUsage().heapUsed - base;
  const { readFileSync, rmSync } = await import('node:fs');
  const disk = await rawLogDigest(final.rawLogPath!, 'out');
  rmSync(final.rawLogPath!, { force: true });
  return {
    status: final.status,
    error: final.error?.message,
    rawLogPath: final.rawLogPath,
    disk,
    stats: JSON.parse(readFileSync(statsFile, 'utf8')) as FloodStats,
    seconds,
    samples,
    peakLiveGrowthMB: peakLive / 1024 ** 2,
    peakRawGrowthMB: peakRaw / 1024 ** 2,
    afterGrowthMB: after / 1024 ** 2,
  };
}

export async function run(): Promise<void> {
  const out = env('CODEX_TASKS_BENCH_OUT');
  const workspace = env('CODEX_TASKS_TEST_WORKSPACE');
  const results: Record<string, unknown> = {};
  const save = () => writeFileSync(out, JSON.stringify(results, null, 1));
  try {
    if (process.env.CODEX_TASKS_BENCH_ACTIVATE === EMPTY) {
      results.emptyActivation = await activation(EMPTY);
      save();
      return;
    }
    results.activation = await activation(OURS);
    save();
    const api = (await vscode.extensions.getExtension(OURS)!.activate()) as CodexTasksApi;
    if (!api.testHooks) {
      throw new Error('bench host: the extension is not in test mode');
    }
    // CODEX_TASKS_BENCH_PARTS picks parts (for profiling one); all of them by default.
    const parts = (process.env.CODEX_TASKS_BENCH_PARTS || 'spawn,flood,memory').split(',');
    if (parts.includes('spawn')) {
      results.commandToSpawn = await commandToSpawn(api, workspace);
      save();
    }
    if (parts.includes('flood')) {
      results.flood = await flood(api, workspace, `${out}.flood-stats.json`);
      save();
    }
    if (parts.includes('memory')) {
      results.memory = await memory(api, workspace, `${out}.memory-stats.json`);
      save();
    }
  } catch (e) {
    results.error = (e as Error).stack ?? String(e);
    save();
    throw e;
  }
}
