/**
 * `npm run bench`: speed and memory figures as ratios against a floor measured in the same run, on the
 * same data. Prints a table (figure, value, floor, ratio, target, pass/fail) and writes
 * bench/results.json. Figures not measured yet are listed as such, never invented.
 */

import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { execa } from 'execa';
import { locateCodex } from '../src/core/process/codexLocator';
import { Renderer } from '../src/core/text/render';
import { stamp, type EventBody } from '../src/core/model/events';
import { LineFramer } from '../src/core/io/framer';
import { nullLogger } from '../src/core/base/logger';
import { readProc } from '../src/core/process/procfs';
import type { TaskRequest } from '../src/core/model/request';
import { initialState, reduce } from '../src/core/model/taskState';
import { AppServerTransport } from '../src/core/transports/appServerTransport';
import { ExecTransport } from '../src/core/transports/execTransport';
import { McpServerTransport } from '../src/core/transports/mcpServerTransport';
import type { TransportContext, TransportSession } from '../src/core/transports/transport';
import { CODEX_CURRENT, hostExecutable, makeCodexHome, ROOT } from '../test/helpers/codexHome';
import { startMockServer } from '../test/mock/mockResponsesServer';
import type { FloodStats } from './host';
import { fakeCodexBin, makeManager, until, waitFor } from '../test/helpers/managerHarness';

interface Row {
  figure: string;
  value: string;
  floor: string;
  ratio: number | null;
  target: string;
  pass: boolean | null;
}
const rows: Row[] = [];

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);

function transcriptLines(): { kind: 'exec' | 'app-server' | 'mcp-server'; lines: string[] }[] {
  const dir = path.join(ROOT, 'test/fixtures/transcripts');
  return readdirSync(dir).map((kind) => ({
    kind: kind as 'exec' | 'app-server' | 'mcp-server',
    lines: readdirSync(path.join(dir, kind))
      .filter((f) => f.endsWith('.jsonl'))
      .flatMap((f) =>
        readFileSync(path.join(dir, kind, f), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { d: string; l?: string })
          .filter((r) => r.d === 'out' && r.l)
          .map((r) => r.l!),
      ),
  }));
}

function ctxFor(): TransportContext {
  const request: TaskRequest = { prompt: 'bench', cwd: '/tmp', approvalPolicy: 'never', sandbox: 'read-only' };
  return { request, install: { executable: 'codex', configuredPath: 'codex', version: '0.169.0', env: {}, viaNpmWrapper: false }, effectivePolicy: 'never', env: {}, logger: nullLogger };
}

interface PipelineSet {
  readonly kind: 'exec' | 'app-server' | 'mcp-server';
  /** Lines of one pass over the transcripts (one task). */
  readonly per: number;
  readonly lines: string[];
  readonly chunks: Buffer[];
}

function pipelineSets(total: number): PipelineSet[] {
  const sets = transcriptLines();
  const perSet = Math.ceil(total / sets.length);
  return sets.map((set) => {
    const lines: string[] = [];
    for (let i = 0; lines.length < perSet; i++) {
      lines.push(set.lines[i % set.lines.length]);
    }
    const chunks: Buffer[] = [];
    for (let i = 0; i < lines.length; i += 500) {
      chunks.push(Buffer.from(`${lines.slice(i, i + 500).join('\n')}\n`));
    }
    return { kind: set.kind, per: set.lines.length, lines, chunks };
  });
}

/** The floor: JSON.parse of every line. Returns ms. */
function floorPass(set: PipelineSet): number {
  const t = performance.now();
  let sink = 0;
  for (const l of set.lines) {
    sink += (JSON.parse(l) as object) ? 1 : 0;
  }
  const ms = performance.now() - t;
  if (sink !== set.lines.length) {
    throw new Error('JSON.parse floor did not parse every line');
  }
  return ms;
}

/**
 * The pipeline over the same bytes: each pass over a transcript is one task (a fresh transport and
 * state), as in a recording of many real tasks; the bytes go through one framer in 500-line chunks.
 * Returns ms and the number of events that reached the reducer.
 */
function pipelinePass(set: PipelineSet, render = false): { ms: number; events: number; chars: number } {
  const ctx = ctxFor();
  let renderer = new Renderer();
  let chars = 0;
  let session: TransportSession | undefined;
  let state = initialState('bench0', ctx.request);
  let seen = 0;
  let events = 0;
  const emit = render
    ? (b: EventBody) => {
        const e = stamp(b);
        state = reduce(state, e);
        chars += renderer.render(e, state).length;
        events++;
      }
    : (b: EventBody) => {
        state = reduce(state, stamp(b));
        events++;
      };
  const fresh = () => {
    const transport = set.kind === 'exec' ? new ExecTransport(ctx) : set.kind === 'mcp-server' ? new McpServerTransport(ctx) : new AppServerTransport(ctx);
    session = transport.open({ write: () => undefined, endStdin: () => undefined, signal: () => undefined }, { prompt: 'bench' }, emit);
    state = initialState('bench0', ctx.request);
    renderer = new Renderer();
  };
  const t = performance.now();
  const framer = new LineFramer((p) => {
    if (seen++ % set.per === 0) {
      fresh();
    }
    session!.onLine(p.bytes.toString('utf8'));
  });
  for (const c of set.chunks) {
    framer.push(c);
  }
  framer.end();
  const ms = performance.now() - t;
  if (seen !== set.lines.length || state.id !== 'bench0') {
    throw new Error(`pipeline framed ${seen} of ${set.lines.length} lines`);
  }
  return { ms, events, chars };
}

/**
 * 1. frame + parse + validate + normalize + reduce vs bare JSON.parse of the same lines. One untimed
 * warm-up round, then rounds that alternate floor and pipeline on each transport's lines, so that a
 * slow moment of the machine lands on both sides.
 */
function pipeline(): void {
  const rounds = 5;
  const sets = pipelineSets(Math.ceil(EVENTS / rounds));
  for (const set of sets) {
    floorPass(set);
    pipelinePass(set);
  }
  let baseMs = 0;
  let pipeMs = 0;
  let n = 0;
  let events = 0;
  for (let r = 0; r < rounds; r++) {
    for (const set of sets) {
      baseMs += floorPass(set);
      const p = pipelinePass(set);
      pipeMs += p.ms;
      events += p.events;
      n += set.lines.length;
    }
  }
  const ratio = pipeMs / baseMs;
  // 2a. The same passes with rendering to output-channel text, against the pipeline alone.
  let renderMs = 0;
  let plainMs = 0;
  let chars = 0;
  for (let r = 0; r < rounds; r++) {
    for (const set of sets) {
      plainMs += pipelinePass(set).ms;
      const p = pipelinePass(set, true);
      renderMs += p.ms;
      chars += p.chars;
    }
  }
  rows.push({
    figure: '2a. render: pipeline + rendering to channel text vs the pipeline alone (same lines)',
    value: `${Math.round(n / (renderMs / 1000)).toLocaleString('en-US')} lines/s, ${(chars / 1024 ** 2).toFixed(0)} MB of text`,
    floor: `pipeline ${Math.round(n / (plainMs / 1000)).toLocaleString('en-US')} lines/s`,
    ratio: renderMs / plainMs,
    target: 'reported (no target)',
    pass: null,
  });
  rows.push({
    figure: `1. event pipeline (${n.toLocaleString('en-US')} lines of real transcripts, ${events.toLocaleString('en-US')} events)`,
    value: `${Math.round(n / (pipeMs / 1000)).toLocaleString('en-US')} lines/s`,
    floor: `JSON.parse ${Math.round(n / (baseMs / 1000)).toLocaleString('en-US')} lines/s`,
    ratio,
    target: '≤ 2.0',
    pass: ratio <= 2.0,
  });
}

/** 5b. minified bundle size. */
function bundle(): void {
  const size = statSync(path.join(ROOT, 'dist/extension.js')).size;
  const engine = statSync(path.join(ROOT, 'dist/engine.js')).size;
  rows.push({ figure: '5b. minified bundles (dist/extension.js, loaded to activate; dist/engine.js, on the first task)', value: `${((size + engine) / 1024).toFixed(1)} KB (activation ${(size / 1024).toFixed(1)} KB, engine ${(engine / 1024).toFixed(1)} KB)`, floor: '—', ratio: null, target: '≤ 200 KB', pass: size + engine <= 200 * 1024 });
}

/** 7. kill a three-level process tree: time until the last process is gone, over 50 kills. */
async function kills(): Promise<void> {
  const graceMs = 500;
  const runs = Number(process.env.BENCH_KILLS ?? 50);
  const pidsDir = mkdtempSync(path.join(os.tmpdir(), 'bench-kill-'));
  const times: number[] = [];
  let survivors = 0;
  for (let i = 0; i < runs; i++) {
    const pidsFile = path.join(pidsDir, `pids-${i}`);
    const h = makeManager({ codexPath: fakeCodexBin(), transport: 'exec', killGraceMs: graceMs }, { ...process.env, FAKE_CODEX_MODE: 'tree', FAKE_CODEX_PIDS: pidsFile });
    const t = await h.manager.start({ prompt: 'kill me', cwd: ROOT, approvalPolicy: 'never', sandbox: 'read-only' });
    await waitFor(h.manager, t.id, (s) => s.status === 'running');
    await until(() => existsSync(pidsFile) && readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).length >= 7, 10_000);
    await new Promise((r) => setTimeout(r, 600)); // one tree sample
    const pids = readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).map(Number);
    const t0 = performance.now();
    await h.manager.kill(t.id);
    const alive = () => pids.filter((p) => {
      const x = readProc(p);
      return x !== undefined && x.state !== 'Z';
    });
    await until(() => alive().length === 0, 5000, 5);
    times.push(performance.now() - t0);
    survivors += alive().length;
    await h.manager.dispose();
  }
  rmSync(pidsDir, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  const worst = times[times.length - 1];
  const p50 = times[Math.floor(times.length / 2)];
  rows.push({
    figure: `7. kill a 3-level tree (fake codex ignores nothing; ${runs} kills)`,
    value: `worst ${worst.toFixed(0)} ms, median ${p50.toFixed(0)} ms, ${survivors} surviving`,
    floor: `grace ${graceMs} ms`,
    ratio: null,
    target: `≤ grace + 250 ms, none surviving`,
    pass: worst <= graceMs + 250 && survivors === 0,
  });
}

/** Load (require) + activate call, as VS Code counts activation; and ext.activate() wall time around it. */
interface Activation {
  ms: number;
  loadMs: number;
  activateMs: number;
  wallMs: number;
  wasActive: boolean;
}
interface HostResults {
  error?: string;
  activation?: Activation;
  emptyActivation?: Activation;
  commandToSpawn?: { runs: number; medianMs: number; worstMs: number; bestMs: number };
  flood?: { status: string; error?: string; rawLogPath: string; disk: { bytes: number; sha256: string }; stats: FloodStats; seconds: number; lagP99Ms: number; lagP50Ms: number; lagMaxMs: number; idleP99Ms: number; appends: number; appendsPerSecond: number; outputChars: number; channelChars: number; renderedChars: number; tailHasLastLine: boolean };
  memory?: { status: string; error?: string; rawLogPath: string; disk: { bytes: number; sha256: string }; stats: FloodStats; seconds: number; samples: number; peakLiveGrowthMB: number; peakRawGrowthMB: number; afterGrowthMB: number };
}

/** Runs bench/host.ts in a real extension host (code-server's, through the integration harness) with one development extension. */
async function runHost(extension: string, env: Record<string, string | undefined>): Promise<HostResults> {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-host-')), 'host.json');
  const workspace = env.CODEX_TASKS_TEST_WORKSPACE!;
  try {
    await runTests({
      vscodeExecutablePath: hostExecutable(),
      extensionDevelopmentPath: extension,
      extensionTestsPath: path.join(ROOT, 'out/bench/host.js'),
      launchArgs: [workspace, '--disable-extensions'],
      extensionTestsEnv: { ...env, CODEX_TASKS_BENCH_OUT: out },
    });
  } catch (e) {
    console.error(`bench host: ${(e as Error).message}`);
  }
  try {
    const r = JSON.parse(readFileSync(out, 'utf8')) as HostResults;
    if (r.error) {
      console.error(`bench host failed:\n${r.error}`);
    }
    return r;
  } catch {
    return { error: 'the bench host wrote no results' };
  } finally {
    rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

/** Figures 2b, 3, 4, 5a and 6b, measured in the real extension host. */
async function hostFigures(): Promise<void> {
  const mock = await startMockServer();
  const { home, env } = makeCodexHome(mock.url);
  const workspace = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'bench-ws-')));
  const hostEnv = { CODEX_TASKS_BENCH_PARTS: process.env.BENCH_HOST_PARTS, CODEX_TASKS_BENCH_PROFILE: process.env.BENCH_PROFILE, CODEX_HOME: home, HOME: env.HOME, MOCK_API_KEY: env.MOCK_API_KEY, CODEX_TASKS_TEST_CODEX: CODEX_CURRENT, CODEX_TASKS_BENCH_FAKE_CODEX: fakeCodexBin(), CODEX_TASKS_TEST_WORKSPACE: workspace };
  // Activation happens once per host: three fresh hosts each for the empty extension and ours (the
  // first of ours also measures everything else), alternating; the median of each is reported.
  const HOSTS = Number(process.env.BENCH_HOSTS ?? 3);
  let r: HostResults = {};
  const empties: Activation[] = [];
  const ours: Activation[] = [];
  const errors: string[] = [];
  try {
    for (let i = 0; i < HOSTS; i++) {
      const empty = await runHost(path.join(ROOT, 'bench/fixtures/empty-extension'), { ...hostEnv, CODEX_TASKS_BENCH_ACTIVATE: 'codex-tasks-bench.empty-extension' });
      const mine = await runHost(ROOT, i === 0 ? hostEnv : { ...hostEnv, CODEX_TASKS_BENCH_PARTS: 'none' });
      if (i === 0) {
        r = mine;
      }
      empties.push(...(empty.emptyActivation ? [empty.emptyActivation] : []));
      ours.push(...(mine.activation && !mine.activation.wasActive ? [mine.activation] : []));
      errors.push(...[empty.error, mine.error, mine.activation?.wasActive ? 'the extension was already active when the bench started' : undefined].filter((x): x is string => !!x));
    }
  } finally {
    await mock.close();
  }
  const median = (xs: Activation[]) => [...xs].sort((x, y) => x.ms - y.ms)[Math.floor(xs.length / 2)];
  const a = ours.length === HOSTS ? median(ours) : undefined;
  const e = empties.length === HOSTS ? median(empties) : undefined;
  if (a && e) {
    rows.push({
      figure: `5a. activation in the real extension host (code loading + activate, as VS Code counts it; median of ${HOSTS} fresh hosts, measured once each is quiet)`,
      value: `${a.ms.toFixed(1)} ms (load ${a.loadMs.toFixed(1)}, activate ${a.activateMs.toFixed(1)}; all runs ${ours.map((x) => x.ms.toFixed(1)).join(', ')}; ext.activate() round trip ${a.wallMs.toFixed(0)} ms)`,
      floor: `empty extension ${e.ms.toFixed(1)} ms (round trip ${e.wallMs.toFixed(0)} ms)`,
      ratio: null,
      target: '≤ 10 ms',
      pass: a.ms <= 10,
    });
  } else {
    notMeasured('5a. activation in the real extension host', '≤ 10 ms', errors[0] ?? 'no result');
  }
  const c = r.commandToSpawn;
  if (c) {
    rows.push({ figure: `6b. command → spawned process (codexTasks.newTask with a request, real codex; ${c.runs} runs)`, value: `median ${c.medianMs.toFixed(1)} ms, worst ${c.worstMs.toFixed(1)} ms`, floor: '—', ratio: null, target: '≤ 30 ms', pass: c.medianMs <= 30 });
  } else {
    notMeasured('6b. command → spawned process', '≤ 30 ms', r.error);
  }
  const f = r.flood;
  if (f) {
    const disk = f.disk;
    const rawOk = disk.bytes === f.stats.stdoutBytes && disk.sha256 === f.stats.sha256;
    const channelOk = f.channelChars === f.renderedChars && f.outputChars === f.stats.outputBytes && f.tailHasLastLine;
    const rate = f.stats.deltas / f.stats.seconds;
    rows.push({
      figure: `3. flood: ${f.stats.deltas.toLocaleString('en-US')} output deltas at ${Math.round(rate).toLocaleString('en-US')}/s for ${f.stats.seconds.toFixed(1)} s into the real extension host`,
      value: `event-loop lag p99 ${f.lagP99Ms.toFixed(1)} ms (p50 ${f.lagP50Ms.toFixed(1)}, max ${f.lagMaxMs.toFixed(1)}); task ${f.status}; channel ${channelOk ? 'complete (every rendered character appended; the command shows its first 256 KB and last 16 KB, the rest is in the raw log)' : 'INCOMPLETE'}; raw log ${rawOk ? 'byte-complete' : `INCOMPLETE (${disk.bytes} of ${f.stats.stdoutBytes} bytes)`}`,
      floor: `idle host p99 ${f.idleP99Ms.toFixed(1)} ms`,
      ratio: null,
      target: '≤ 20 ms; channel and raw log complete',
      pass: f.lagP99Ms <= 20 && rawOk && channelOk && f.status === 'completed' && rate >= 45_000,
    });
    rows.push({ figure: '2b. appends per task per second under the flood', value: `${f.appendsPerSecond.toFixed(1)} (${f.appends} appends in ${f.seconds.toFixed(1)} s)`, floor: '—', ratio: null, target: '≤ 10 appends/s', pass: f.appendsPerSecond <= 10 });
  } else {
    notMeasured('3. flood: extension host event-loop lag p99', '≤ 20 ms', r.error);
    notMeasured('2b. appends per task per second under a flood', '≤ 10 appends/s', r.error);
  }
  const m = r.memory;
  if (m) {
    const disk = m.disk;
    const rawOk = disk.bytes === m.stats.stdoutBytes && disk.sha256 === m.stats.sha256;
    rows.push({
      figure: `4. memory: a command printing ${(m.stats.outputBytes / 1024 ** 3).toFixed(2)} GiB in the real extension host (${m.seconds.toFixed(0)} s)`,
      value: `live heap growth peak ${m.peakLiveGrowthMB.toFixed(1)} MB (after the task ${m.afterGrowthMB.toFixed(1)} MB; with garbage ${m.peakRawGrowthMB.toFixed(1)} MB); raw log ${rawOk ? `byte-complete (${(disk.bytes / 1024 ** 3).toFixed(2)} GiB)` : `INCOMPLETE (${disk.bytes} of ${m.stats.stdoutBytes} bytes)`}`,
      floor: 'heap before the task (after GC)',
      ratio: null,
      target: '≤ 32 MB; raw log complete',
      pass: m.peakLiveGrowthMB <= 32 && rawOk && m.status === 'completed',
    });
  } else {
    notMeasured('4. memory: heap growth for a task emitting 1 GB', '≤ 32 MB', r.error);
  }
  rmSync(workspace, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}

/**
 * 6a. The same scripted mock task (a shell command and an answer) run by the bare `codex exec --json`
 * and through the engine, alternating, after one warm-up each: total wall time, engine / bare.
 */
async function overhead(): Promise<void> {
  const runs = Number(process.env.BENCH_OVERHEAD_RUNS ?? 10);
  const mock = await startMockServer();
  const { home, env } = makeCodexHome(mock.url);
  const workspace = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'bench-ov-')));
  const install = await locateCodex(CODEX_CURRENT, env);
  const request: TaskRequest = { prompt: '[[scenario:shell]] run the shell scenario', cwd: workspace, approvalPolicy: 'never', sandbox: 'workspace-write' };
  const spec = new ExecTransport({ request, install, effectivePolicy: 'never', env: { ...env, ...install.env }, logger: nullLogger }).spec({ prompt: request.prompt });
  const h = makeManager({ codexPath: CODEX_CURRENT, transport: 'exec' }, env);
  const bare = async () => {
    const t = performance.now();
    const r = await execa(spec.executable, spec.args, { cwd: spec.cwd, env: spec.env, extendEnv: false, input: request.prompt, reject: false });
    if (r.exitCode !== 0 || !r.stdout.includes('"turn.completed"')) {
      throw new Error(`bare codex exec failed (${r.exitCode}): ${r.stderr.slice(-300)}`);
    }
    return performance.now() - t;
  };
  const engine = async () => {
    const t = performance.now();
    const task = await h.manager.start(request);
    const final = await waitFor(h.manager, task.id, (s) => s.status === 'completed' || s.status === 'failed' || s.status === 'killed', 60_000);
    if (final.status !== 'completed') {
      throw new Error(`engine task ${final.status}: ${final.error?.message}`);
    }
    return performance.now() - t;
  };
  try {
    await bare();
    await engine();
    let bareMs = 0;
    let engineMs = 0;
    for (let i = 0; i < runs; i++) {
      bareMs += await bare();
      engineMs += await engine();
    }
    const ratio = engineMs / bareMs;
    rows.push({ figure: `6a. overhead: the mock shell task, engine vs bare \`codex exec --json\` (same binary and arguments; ${runs} runs each, alternating)`, value: `engine ${(engineMs / runs).toFixed(0)} ms per task`, floor: `bare ${(bareMs / runs).toFixed(0)} ms per task`, ratio, target: '≤ 1.05', pass: ratio <= 1.05 });
  } finally {
    await h.manager.dispose();
    await mock.close();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}

function notMeasured(figure: string, target: string, why = 'not measured'): void {
  rows.push({ figure, value: `not measured: ${why.split('\n')[0]}`, floor: '—', ratio: null, target, pass: null });
}

/** `BENCH_ONLY=1,7` runs only those figures (1, 5, 6, 7, host); a partial run does not write results.json. */
const ONLY = process.env.BENCH_ONLY?.split(',').map((x) => x.trim());
const want = (fig: string) => !ONLY || ONLY.includes(fig);

async function main(): Promise<void> {
  if (want('1')) {
    pipeline();
  }
  if (want('5')) {
    bundle();
  }
  if (want('7')) {
    await kills();
  }
  if (want('6')) {
    await overhead();
  }
  if (want('host')) {
    await hostFigures();
  }
  const order = (f: string) => parseFloat(f.replace(/^(\d+)([ab])?.*/s, (_m, d: string, x?: string) => `${d}.${x === 'b' ? 2 : x === 'a' ? 1 : 0}`));
  rows.sort((x, y) => order(x.figure) - order(y.figure));
  const table = [
    '| figure | value | floor | ratio | target | result |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.floor} | ${r.ratio === null ? '—' : r.ratio.toFixed(2)} | ${r.target} | ${r.pass === null ? (r.target.startsWith('reported') ? 'reported' : 'not measured') : r.pass ? 'pass' : 'FAIL'} |`),
  ].join('\n');
  console.log(table);
  const failed = rows.filter((r) => r.pass === false).length;
  const unmeasured = rows.filter((r) => r.pass === null && r.target !== 'reported (no target)').length;
  console.log(`${rows.length - failed - unmeasured} of ${rows.length} figures pass${failed ? `, ${failed} FAIL` : ''}${unmeasured ? `, ${unmeasured} not measured` : ''}`);
  if (ONLY) {
    return; // a partial run does not replace the recorded table
  }
  writeFileSync(path.join(ROOT, 'bench/results.json'), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 1)}\n`);
}

void main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});

