/**
 * `npm run bench`: speed and memory figures as ratios against a floor measured in the same run, on the
 * same data. Prints a table (figure, value, floor, ratio, target, pass/fail) and writes
 * bench/results.json. Figures not measured yet are listed as such, never invented.
 */

import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stamp, type EventBody } from '../src/core/events';
import { LineFramer } from '../src/core/framer';
import { nullLogger } from '../src/core/logger';
import { readProc } from '../src/core/procfs';
import type { TaskRequest } from '../src/core/request';
import { initialState, reduce } from '../src/core/taskState';
import { AppServerTransport } from '../src/core/transports/appServerTransport';
import { ExecTransport } from '../src/core/transports/execTransport';
import { McpServerTransport } from '../src/core/transports/mcpServerTransport';
import type { Transport, TransportContext } from '../src/core/transports/transport';
import { ROOT } from '../test/helpers/codexHome';
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
function pipelinePass(set: PipelineSet): { ms: number; events: number } {
  const ctx = ctxFor();
  let transport: Transport | undefined;
  let state = initialState('bench0', ctx.request);
  let seen = 0;
  let events = 0;
  const emit = (b: EventBody) => {
    state = reduce(state, stamp(b));
    events++;
  };
  const fresh = () => {
    transport = set.kind === 'exec' ? new ExecTransport(ctx) : set.kind === 'mcp-server' ? new McpServerTransport(ctx) : new AppServerTransport(ctx);
    transport.attach({ write: () => undefined, endStdin: () => undefined, signal: () => undefined }, { prompt: 'bench' }, () => undefined);
    state = initialState('bench0', ctx.request);
  };
  const t = performance.now();
  const framer = new LineFramer((p) => {
    if (seen++ % set.per === 0) {
      fresh();
    }
    transport!.onLine(p.bytes.toString('utf8'), emit);
  });
  for (const c of set.chunks) {
    framer.push(c);
  }
  framer.end();
  const ms = performance.now() - t;
  if (seen !== set.lines.length || state.id !== 'bench0') {
    throw new Error(`pipeline framed ${seen} of ${set.lines.length} lines`);
  }
  return { ms, events };
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
  rows.push({ figure: '5b. minified bundle (dist/extension.js)', value: `${(size / 1024).toFixed(1)} KB`, floor: '—', ratio: null, target: '≤ 200 KB', pass: size <= 200 * 1024 });
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

function notMeasured(figure: string, target: string): void {
  rows.push({ figure, value: 'not measured yet', floor: '—', ratio: null, target, pass: null });
}

/** `BENCH_ONLY=1,7` runs only those figures (for profiling one of them). */
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
  notMeasured('2. render vs pipeline; appends per task per second under a flood', '≤ 10 appends/s');
  notMeasured('3. flood: extension host event-loop lag p99', '≤ 20 ms');
  notMeasured('4. memory: heap growth for a task emitting 1 GB', '≤ 32 MB');
  notMeasured('5a. activation time in the real host vs an empty extension', '≤ 10 ms');
  notMeasured('6. overhead vs bare codex exec --json; command → spawn', '≤ 1.05; ≤ 30 ms');
  const table = [
    '| figure | value | floor | ratio | target | result |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.floor} | ${r.ratio === null ? '—' : r.ratio.toFixed(2)} | ${r.target} | ${r.pass === null ? 'not measured' : r.pass ? 'pass' : 'FAIL'} |`),
  ].join('\n');
  console.log(table);
  writeFileSync(path.join(ROOT, 'bench/results.json'), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rows }, null, 1)}\n`);
}

void main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});

