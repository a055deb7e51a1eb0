/**
 * Soak and fault suite (issue 9). Every case runs real processes: the fake codex (scripted faults,
 * process trees) or the real codex against the mock model server. `npm test` runs the short version
 * (SOAK unset), `npm run soak` the long one (SOAK=long). Each case adds a row to the table (case,
 * runs, failures, leaked processes, lost bytes) written to test-results/soak-<scale>.json and printed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { BadRequest, RawLogUnavailable } from '../../src/core/model/errors';
import { stamp, type EventBody, type TaskEvent } from '../../src/core/model/events';
import { LineFramer } from '../../src/core/io/framer';
import { makeRedactor, nullLogger } from '../../src/core/base/logger';
import { readProc } from '../../src/core/process/procfs';
import { RawLog, reassemble } from '../../src/core/io/rawLog';
import { Renderer } from '../../src/core/text/render';
import { parseRequestFile, parseTaskRequest, type TaskRequest } from '../../src/core/model/request';
import { initialState, isFinal, reduce, type TaskState } from '../../src/core/model/taskState';
import { TaskManager } from '../../src/core/engine/taskManager';
import { AppServerTransport } from '../../src/core/transports/appServerTransport';
import { ExecTransport } from '../../src/core/transports/execTransport';
import { McpServerTransport } from '../../src/core/transports/mcpServerTransport';
import type { Transport, TransportContext } from '../../src/core/transports/transport';
import { History } from '../../src/vscode/history';
import { ROOT } from '../helpers/codexHome';
import { startE2E } from '../helpers/e2eHarness';
import { mockUsage } from '../mock/mockResponsesServer';
import { fakeCodexBin, makeManager, memento, memoryLogger, sleep, until, waitFinal, waitFor } from '../helpers/managerHarness';

const LONG = process.env.SOAK === 'long';
const scale = (short: number, long: number) => (LONG ? long : short);

interface Row {
  case: string;
  runs: number;
  failures: number;
  leaked: number;
  lostBytes: number;
  notes: string;
}
const rows: Row[] = [];
after(() => {
  const out = path.join(ROOT, 'test-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, `soak-${LONG ? 'long' : 'short'}.json`), `${JSON.stringify({ date: new Date().toISOString(), scale: LONG ? 'long' : 'short', rows }, null, 1)}\n`);
  console.log(`\n${table(rows)}\n`);
});

export function table(rs: readonly Row[]): string {
  return [
    '| case | runs | failures | leaked processes | lost bytes | notes |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rs.map((r) => `| ${r.case} | ${r.runs} | ${r.failures} | ${r.leaked} | ${r.lostBytes} | ${r.notes} |`),
  ].join('\n');
}

/** Records the row, then fails the test if anything failed, leaked or was lost. */
function report(r: Row, failures: string[] = []): void {
  rows.push(r);
  assert.deepEqual({ failures: r.failures, leaked: r.leaked, lostBytes: r.lostBytes, why: failures.slice(0, 5) }, { failures: 0, leaked: 0, lostBytes: 0, why: [] });
}

const work = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'soak-')));
after(() => rmSync(work, { recursive: true, force: true }));
const codexPath = fakeCodexBin();

const managers: TaskManager[] = [];
after(async () => {
  await Promise.all(managers.map((m) => m.dispose()));
});
function manager(transport: 'exec' | 'auto', env: NodeJS.ProcessEnv, extra: { maxConcurrentTasks?: number; stallWarningSeconds?: number } = {}) {
  const h = makeManager({ codexPath, transport, killGraceMs: 500, maxConcurrentTasks: extra.maxConcurrentTasks ?? 10, stallWarningSeconds: extra.stallWarningSeconds }, { ...process.env, ...env });
  managers.push(h.manager);
  return h;
}

const request = (prompt = 'soak', extra: Partial<TaskRequest> = {}): TaskRequest => ({ prompt, cwd: work, approvalPolicy: 'never', sandbox: 'read-only', ...extra });

function pidsOf(file: string): number[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}
const alive = (pid: number) => {
  const p = readProc(pid);
  return p !== undefined && p.state !== 'Z';
};

/** Bytes codex wrote (FAKE_CODEX_COPY) that the raw log does not have, or has different. */
function lostBytes(copy: string, rawLog: string | undefined): number {
  const sent = existsSync(copy) ? readFileSync(copy) : Buffer.alloc(0);
  if (!rawLog || !existsSync(rawLog)) {
    return sent.length;
  }
  const logged = reassemble(rawLog, 'out');
  return logged.equals(sent) ? 0 : Math.max(1, Math.abs(sent.length - logged.length));
}

describe('soak: kill storm', () => {
  it('kills tasks whose fake codex forks three-level trees, at random moments: nothing survives, every end is honest', async () => {
    const n = scale(16, 100);
    const moments = ['during start', 'mid-output', 'during an approval', 'after exit'] as const;
    const tally: Record<string, number> = {};
    const failures: string[] = [];
    let leaked = 0;
    let lost = 0;
    const one = async (i: number) => {
      const moment = moments[i % moments.length];
      tally[moment] = (tally[moment] ?? 0) + 1;
      const pidsFile = path.join(work, `storm-${i}.pids`);
      const copy = path.join(work, `storm-${i}.out`);
      const mode = moment === 'during an approval' ? 'approval' : moment === 'after exit' ? 'plain' : 'tree';
      const h = manager(mode === 'approval' ? 'auto' : 'exec', { FAKE_CODEX_MODE: mode, FAKE_CODEX_PIDS: pidsFile, FAKE_CODEX_COPY: copy });
      const t = await h.manager.start(request(`storm ${i}`, mode === 'approval' ? { approvalPolicy: 'on-request' } : {}));
      if (moment === 'mid-output') {
        await waitFor(h.manager, t.id, (s) => s.status === 'running' && s.turns.length > 0, 30_000);
        await sleep(Math.random() * 400);
      } else if (moment === 'during an approval') {
        await waitFor(h.manager, t.id, (s) => s.status === 'needsApproval', 30_000);
      } else if (moment === 'after exit') {
        await waitFinal(h.manager, t.id, 30_000);
      } else {
        await sleep(Math.random() * 30);
      }
      const s = await h.manager.kill(t.id);
      const expected = moment === 'after exit' ? 'completed' : 'killed';
      if (s.status !== expected) {
        failures.push(`${moment} #${i}: ${s.status} (${s.endReason ?? s.error?.message})`);
      }
      // A tree forked while the kill ran is caught by the tree sampler; give /proc a moment.
      await sleep(200);
      const left = pidsOf(pidsFile).filter(alive);
      leaked += left.length;
      if (left.length > 0) {
        failures.push(`${moment} #${i} (${s.status}) left ${left.map((p) => `${p}:${readProc(p)?.comm}(ppid ${readProc(p)?.ppid}, sid ${readProc(p)?.sid})`).join(', ')}`);
      }
      for (const p of left) {
        process.kill(p, 'SIGKILL');
      }
      if (mode !== 'approval') {
        lost += lostBytes(copy, s.rawLogPath);
      }
    };
    const batch = 10;
    for (let i = 0; i < n; i += batch) {
      await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, k) => one(i + k)));
    }
    report({ case: 'kill storm (fake codex, 3-level trees)', runs: n, failures: failures.filter((f) => !/ left /.test(f)).length, leaked, lostBytes: lost, notes: Object.entries(tally).map(([k, v]) => `${v} ${k}`).join(', ') }, failures);
  });
});

describe('soak: codex dies', () => {
  it('SIGKILL, SIGSEGV, SIGABRT, a non-zero exit, stdout closed early, a hang: each ends as it really did, a hang is shown as stalled', async () => {
    const each = scale(1, 5);
    const cases: { name: string; env: NodeJS.ProcessEnv; check: (s: TaskState) => string | undefined; hang?: boolean }[] = [
      { name: 'SIGKILL', env: { FAKE_CODEX_MODE: 'signal', FAKE_CODEX_SIGNAL: 'SIGKILL' }, check: (s) => (s.status === 'killed' && s.exit?.signal === 'SIGKILL' && /not by Codex Tasks/.test(s.endReason ?? '') ? undefined : `${s.status} ${JSON.stringify(s.exit)} ${s.endReason}`) },
      { name: 'SIGSEGV', env: { FAKE_CODEX_MODE: 'signal', FAKE_CODEX_SIGNAL: 'SIGSEGV' }, check: (s) => (s.status === 'killed' && s.exit?.signal === 'SIGSEGV' && /SIGSEGV/.test(s.error?.message ?? '') ? undefined : `${s.status} ${JSON.stringify(s.exit)}`) },
      { name: 'SIGABRT', env: { FAKE_CODEX_MODE: 'signal', FAKE_CODEX_SIGNAL: 'SIGABRT' }, check: (s) => (s.status === 'killed' && s.exit?.signal === 'SIGABRT' ? undefined : `${s.status} ${JSON.stringify(s.exit)}`) },
      { name: 'exit 3', env: { FAKE_CODEX_MODE: 'exit3' }, check: (s) => (s.status === 'failed' && s.exit?.code === 3 && /failed on purpose/.test(s.error?.message ?? '') ? undefined : `${s.status} ${s.error?.message}`) },
      { name: 'stdout closed early', env: { FAKE_CODEX_MODE: 'closeout', FAKE_CODEX_LINGER_MS: '400' }, check: (s) => (s.status === 'failed' && s.exit?.code === 0 && /before the turn finished/.test(s.error?.message ?? '') ? undefined : `${s.status} ${s.error?.message}`) },
      { name: 'hang (stall after 1 s)', env: { FAKE_CODEX_MODE: 'hang' }, hang: true, check: (s) => (s.status === 'killed' && s.counts.warnings >= 1 ? undefined : `${s.status} warnings ${s.counts.warnings}`) },
    ];
    const failures: string[] = [];
    let lost = 0;
    let leaked = 0;
    for (const c of cases) {
      for (let i = 0; i < each; i++) {
        const copy = path.join(work, `dies-${c.name.replace(/\W+/g, '_')}-${i}.out`);
        const h = manager('exec', { ...c.env, FAKE_CODEX_COPY: copy }, { stallWarningSeconds: 1 });
        const t = await h.manager.start(request(`dies ${c.name}`));
        let final: TaskState;
        if (c.hang) {
          const stalled = await waitFor(h.manager, t.id, (s) => /no output for \d+ s: it may be stuck/.test(s.activity ?? ''), 15_000);
          if (stalled.status !== 'running') {
            failures.push(`${c.name}: stalled task is ${stalled.status}`);
          }
          final = await h.manager.kill(t.id);
        } else {
          final = await waitFinal(h.manager, t.id, 30_000);
        }
        const why = c.check(final);
        if (why) {
          failures.push(`${c.name}: ${why}`);
        }
        const pid = final.pid;
        if (pid !== undefined && alive(pid)) {
          leaked++;
        }
        lost += lostBytes(copy, final.rawLogPath);
      }
    }
    report({ case: 'codex dies (SIGKILL, SIGSEGV, SIGABRT, exit 3, stdout closed early, hang → stalled)', runs: cases.length * each, failures: failures.length, leaked, lostBytes: lost, notes: 'exact signal or code in each end; the hang shows "no output for N s: it may be stuck" after the configured 1 s' }, failures);
  });
});

describe('soak: extension host dies', () => {
  it('SIGKILLed with tasks running: the next start shows them interrupted and reaps what they left', async () => {
    const runs = scale(1, 5);
    const n = 3;
    const failures: string[] = [];
    let leaked = 0;
    for (let r = 0; r < runs; r++) {
      const dir = realpathSync(mkdtempSync(path.join(work, 'host-')));
      const host = spawn(process.execPath, [path.join(ROOT, 'out/test/fixtures/fakeHost.js')], { env: { ...process.env, FAKE_HOST_DIR: dir, FAKE_HOST_TASKS: String(n), FAKE_CODEX_MODE: 'tree' }, stdio: ['ignore', 'pipe', 'inherit'] });
      const ready = await new Promise<{ tasks: { id: string; pidsFile: string }[]; saved: string[] }>((resolve, reject) => {
        let buf = '';
        host.stdout.on('data', (c: Buffer) => {
          buf += c.toString();
          const m = /READY (.*)\n/.exec(buf);
          if (m) {
            resolve(JSON.parse(m[1]) as { tasks: { id: string; pidsFile: string }[]; saved: string[] });
          }
        });
        host.on('exit', (code) => reject(new Error(`the fake host exited (${code}) before it was ready`)));
        setTimeout(() => reject(new Error('the fake host was not ready in 30 s')), 30_000);
      });
      const pids = ready.tasks.flatMap((t) => pidsOf(t.pidsFile));
      host.kill('SIGKILL');
      await new Promise((resolve) => host.once('exit', resolve));
      if (!pids.every(alive)) {
        failures.push('the tasks did not outlive their host (nothing for the next start to find)');
      }
      // The next window: same storage, a fresh engine and history.
      const m = new TaskManager({ logDir: path.join(dir, 'logs'), stateDir: path.join(dir, 'state'), logger: memoryLogger().logger, settings: () => ({ codexPath, transport: 'exec', maxConcurrentTasks: 4, killGraceMs: 500 }) });
      managers.push(m);
      const history = new History(memento() as never, m, path.join(dir, 'history.json'));
      m.restore(history.load());
      for (const t of ready.tasks) {
        const s = m.get(t.id);
        if (s?.status !== 'interrupted' || !/extension host stopped/.test(s.endReason ?? '')) {
          failures.push(`task ${t.id} after the crash: ${s?.status} (${s?.endReason})`);
        }
      }
      const reaped = await m.reapLeftovers();
      if (reaped.reaped.length !== n) {
        failures.push(`reaped ${reaped.reaped.length} of ${n} codex processes`);
      }
      await until(() => !pids.some(alive), 5000, 50);
      const left = pids.filter(alive);
      leaked += left.length;
      for (const p of left) {
        process.kill(p, 'SIGKILL');
      }
      history.dispose();
    }
    report({ case: 'extension host SIGKILLed with 3 tasks running', runs, failures: failures.length, leaked, lostBytes: 0, notes: 'tasks shown interrupted ("the extension host stopped while it ran"); codex and every descendant reaped through the PID registry' }, failures);
  });
});

describe('soak: hostile stdout (property-based)', () => {
  const ctx = (): TransportContext => ({ request: request(), install: { executable: 'codex', configuredPath: 'codex', version: '0.169.0', env: {}, viaNpmWrapper: false }, effectivePolicy: 'never', env: {}, logger: nullLogger });
  const transports = (): Transport[] => [new ExecTransport(ctx()), new AppServerTransport(ctx()), new McpServerTransport(ctx())];
  const io = { write: () => undefined, endStdin: () => undefined, signal: () => undefined };
  const numRuns = scale(150, 3000);
  const deep = (d: number): unknown => (d === 0 ? 1 : { a: [deep(d - 1)] });
  const line = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.json({ maxDepth: 6 }),
    fc.constantFrom('{"type":"item.completed","item":null}', '{"method":"item/started","params":{"item":{"type":"commandExecution"}}}', '{"id":1,"error":{}}', '{"method":"codex/event","params":{"msg":{"type":"exec_command_end","exit_code":"x"}}}', JSON.stringify(deep(2000)), '{"type":"turn.completed","usage":{"input_tokens":"many"}}'),
    fc.record({ type: fc.constantFrom('thread.started', 'item.started', 'item.completed', 'turn.completed', 'error'), item: fc.anything(), usage: fc.anything(), message: fc.anything() }).map((o) => JSON.stringify(o)),
    fc.record({ method: fc.constantFrom('item/started', 'item/completed', 'item/agentMessage/delta', 'turn/completed', 'thread/tokenUsage/updated', 'error', 'codex/event'), params: fc.anything(), id: fc.option(fc.oneof(fc.integer(), fc.string())) }).map((o) => JSON.stringify(o)),
  );

  it('framer, parsers, reducer and renderer: no throw escapes, the raw log is byte-complete', async () => {
    const failures: string[] = [];
    let lost = 0;
    let runs = 0;
    // 1. Framer + raw log over random bytes in random chunks (invalid UTF-8, huge and truncated lines).
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 20 }), fc.integer({ min: 16, max: 4096 }), async (chunks, maxLine) => {
        runs++;
        const file = path.join(work, `fuzz-${runs}.jsonl`);
        const log = new RawLog(file);
        const framer = new LineFramer((p) => log.line('out', p.bytes, p.eol), maxLine);
        const all = Buffer.concat(chunks.map((c) => Buffer.from(c)));
        for (const c of chunks) {
          framer.push(Buffer.from(c));
        }
        framer.end();
        await log.close();
        const back = reassemble(file, 'out');
        rmSync(file);
        if (!back.equals(all)) {
          lost += Math.max(1, Math.abs(back.length - all.length));
        }
      }),
      { numRuns },
    );
    // 2. Parsers, reducer and renderer over hostile lines: unknown events are counted, nothing throws.
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
        runs++;
        for (const t of transports()) {
          let s = initialState('fuzz00', request());
          const r = new Renderer();
          const emit = (b: EventBody) => {
            const e: TaskEvent = stamp(b);
            s = reduce(s, e);
            r.render(e, s);
          };
          try {
            const session = t.open(io, { prompt: 'p' }, emit);
            for (const l of lines) {
              session.onLine(l);
            }
            emit({ type: 'exit', code: 0, signal: null, killedByUs: false, stderrTail: '' });
            if (!isFinal(s.status)) {
              failures.push(`${t.kind}: not final after exit: ${s.status}`);
            }
          } catch (e) {
            failures.push(`${t.kind}: ${(e as Error).message} on ${JSON.stringify(lines).slice(0, 200)}`);
          }
        }
      }),
      { numRuns },
    );
    report({ case: 'hostile stdout (fast-check: framer + raw log, 3 parsers, reducer, renderer)', runs, failures: failures.length, leaked: 0, lostBytes: lost, notes: 'random bytes in random chunks with tiny line limits; arbitrary and deep JSON, wrong field types, unknown events' }, failures);
  });
});

describe('soak: hostile requests', () => {
  it('shell metacharacters, newlines, 1 MB prompts and unicode paths pass through exactly (no shell); bad input is refused with its reason', async () => {
    const failures: string[] = [];
    let runs = 0;
    const weird = realpathSync(mkdtempSync(path.join(work, 'dir with spaces – ünïcødé 🚀 $(x) ')));
    const prompts = [
      '$(touch /tmp/pwned) `touch /tmp/pwned2`; rm -rf ~ && echo "quoted" | cat > /dev/null \'single\' \\ back',
      'line one\nline two\r\n\ttabbed\u0000nul-free? no: ␀ and emoji 🧪',
      '-c model=evil --dangerously-bypass-approvals-and-sandbox',
      'x'.repeat(1024 * 1024 - 7) + ' 1 MB.',
    ];
    for (const prompt of prompts) {
      runs++;
      const file = path.join(work, `prompt-${runs}.txt`);
      const h = manager('exec', { FAKE_CODEX_MODE: 'plain', FAKE_CODEX_PROMPT: file });
      const s = await waitFinal(h.manager, (await h.manager.start(request(prompt, { cwd: weird }))).id, 30_000);
      await until(() => existsSync(file), 5000, 20);
      const got = existsSync(file) ? readFileSync(file, 'utf8') : '<nothing>';
      // On the wire the prompt is followed by one newline (stdin is written line by line); nothing else.
      if (s.status !== 'completed' || got !== `${prompt}\n`) {
        failures.push(`prompt #${runs}: ${s.status}, received ${got.length} chars for a ${prompt.length}-char prompt`);
      }
    }
    if (existsSync('/tmp/pwned') || existsSync('/tmp/pwned2')) {
      failures.push('a shell ran the prompt');
    }
    const refused: [string, () => unknown, RegExp][] = [
      ['cwd that does not exist', () => parseTaskRequest(request('p', { cwd: path.join(work, 'no such dir') })), /directory does not exist/],
      ['relative cwd', () => parseTaskRequest(request('p', { cwd: 'relative/dir' })), /must be an absolute path/],
      ['empty prompt', () => parseTaskRequest(request('   ')), /must not be empty/],
      ['config key that reads as a flag', () => parseTaskRequest(request('p', { config: { '--yolo': true } })), /config/],
      ['request file that is not JSON', () => parseRequestFile('{"jsonrpc": "2.0", ', { approvalPolicy: 'never', sandbox: 'read-only', cwd: work }), /not valid JSON/],
      ['request file with wrong field types', () => parseRequestFile(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'codex', arguments: { prompt: 42, sandbox: 'everything' } } }), { approvalPolicy: 'never', sandbox: 'read-only', cwd: work }), /prompt.*a non-empty string, got number[\s\S]*sandbox/],
    ];
    for (const [name, f, pattern] of refused) {
      runs++;
      try {
        f();
        failures.push(`${name}: accepted`);
      } catch (e) {
        if (!(e instanceof BadRequest) || !pattern.test(e.message)) {
          failures.push(`${name}: ${(e as Error).message}`);
        }
      }
    }
    report({ case: 'hostile requests', runs, failures: failures.length, leaked: 0, lostBytes: 0, notes: 'metacharacters, flags-as-prompt, newlines, a 1 MB prompt (stdin) and a cwd with spaces, unicode and $(…) reach codex byte for byte; 6 kinds of bad input refused' }, failures);
  });
});

describe('soak: disk', () => {
  it('a raw-log folder that cannot be created refuses the task; a full disk is reported on the task, never silent', async () => {
    const failures: string[] = [];
    let runs = 0;
    // Unwritable: the log folder's parent is a file.
    runs++;
    const blocker = path.join(work, 'not-a-dir');
    writeFileSync(blocker, '');
    const m = new TaskManager({ logDir: path.join(blocker, 'logs'), stateDir: path.join(work, 'state-unwritable'), logger: nullLogger, settings: () => ({ codexPath, transport: 'exec', maxConcurrentTasks: 2, killGraceMs: 500 }) });
    managers.push(m);
    try {
      await m.start(request());
      failures.push('unwritable log folder: the task started');
    } catch (e) {
      if (!(e instanceof RawLogUnavailable) || !/raw log/i.test(e.message)) {
        failures.push(`unwritable log folder: ${(e as Error).message}`);
      }
    }
    // Full: the log folder is a 64 KiB tmpfs, and codex writes more than that.
    runs++;
    const small = path.join(work, 'small-fs');
    mkdirSync(small);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]).status === 0;
    let fullNote = 'full disk: could not mount a small tmpfs here (needs root)';
    if (mounted) {
      try {
        const logged = memoryLogger();
        const full = new TaskManager({ logDir: small, stateDir: path.join(work, 'state-full'), logger: logged.logger, settings: () => ({ codexPath, transport: 'auto', maxConcurrentTasks: 2, killGraceMs: 500 }), env: { ...process.env, FAKE_CODEX_MODE: 'flood', FAKE_CODEX_FLOOD_RATE: '0', FAKE_CODEX_FLOOD_BYTES: String(2 * 1024 * 1024), FAKE_CODEX_FLOOD_DELTA: '4096' } });
        managers.push(full);
        const s = await waitFinal(full, (await full.start(request())).id, 60_000);
        const shown = s.counts.warnings > 0 && /raw log/i.test(JSON.stringify(s.error ?? '') + (s.activity ?? '') + logged.lines.join('\n'));
        if (!shown) {
          failures.push(`full disk: not reported (status ${s.status}, warnings ${s.counts.warnings})`);
        }
        fullNote = `full disk (64 KiB tmpfs, 2 MiB of output): task ${s.status}, the write error is on the task and in the log`;
      } finally {
        await Promise.all(managers.map((x) => x.dispose()));
        spawnSync('umount', ['-l', small]);
      }
    } else {
      failures.push(fullNote);
    }
    report({ case: 'disk: raw-log folder unwritable, disk full', runs, failures: failures.length, leaked: 0, lostBytes: 0, notes: `unwritable: refused with RawLogUnavailable; ${fullNote}` }, failures);
  });
});

describe('soak: security', () => {
  it('secrets in the environment and on stderr never reach the logs; files are owner-only', async () => {
    const failures: string[] = [];
    const secret = 'sk-proj-SOAKSECRET0123456789abcdefABCDEF';
    const stderrScript = path.join(work, 'leaky-codex');
    writeFileSync(stderrScript, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "codex-cli 0.169.0"; exit 0; fi\necho "auth failed for key $OPENAI_API_KEY and Bearer ${secret}" >&2\nexit 1\n`);
    chmodSync(stderrScript, 0o755);
    const logged = memoryLogger();
    const dir = mkdtempSync(path.join(work, 'sec-'));
    const m = new TaskManager({ logDir: path.join(dir, 'logs'), stateDir: path.join(dir, 'state'), logger: logged.logger, settings: () => ({ codexPath: stderrScript, transport: 'exec', maxConcurrentTasks: 2, killGraceMs: 500 }), env: { ...process.env, OPENAI_API_KEY: secret } });
    managers.push(m);
    const s = await waitFinal(m, (await m.start(request())).id, 30_000);
    const raw = readFileSync(s.rawLogPath!, 'utf8');
    const seen = [raw, JSON.stringify(s), logged.lines.join('\n'), new Renderer().render(stamp({ type: 'stderr', line: makeRedactor({ OPENAI_API_KEY: secret })(`key ${secret}`) }), s)].filter((x) => x.includes(secret));
    if (seen.length > 0) {
      failures.push(`the key reached ${seen.length} place(s)`);
    }
    if (!/auth failed for key/.test(raw)) {
      failures.push('the stderr line itself is missing from the raw log');
    }
    for (const f of [s.rawLogPath!, path.join(dir, 'state', 'pids.json')].filter(existsSync)) {
      const mode = statSync(f).mode & 0o777;
      if (mode !== 0o600) {
        failures.push(`${path.basename(f)} is ${mode.toString(8)}`);
      }
    }
    report({ case: 'security: secrets redacted, files owner-only', runs: 1, failures: failures.length, leaked: 0, lostBytes: 0, notes: 'API key in the environment and a Bearer token on stderr: absent from raw log, state, log and output; raw log and PID registry 0600. Restricted Mode and machine-scoped codex path: integration tier (Restricted Mode host)' }, failures);
  });
});

describe('soak: load and model faults (real codex)', () => {
  it('concurrent real codex tasks through the concurrency cap and queue: all complete with correct token totals', async () => {
    const e = await startE2E();
    try {
      const n = scale(6, 20);
      const h = e.manager('exec', undefined, { maxConcurrentTasks: 4 });
      const failures: string[] = [];
      let maxGap = 0;
      let last = Date.now();
      const probe = setInterval(() => {
        maxGap = Math.max(maxGap, Date.now() - last);
        last = Date.now();
      }, 100);
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        ids.push((await h.manager.start({ prompt: `[[scenario:simple]] load ${i}`, cwd: e.workspace(), approvalPolicy: 'never', sandbox: 'read-only' })).id);
      }
      const queued = ids.filter((id) => h.manager.get(id)?.status === 'queued').length;
      const finals = await Promise.all(ids.map((id) => waitFinal(h.manager, id, 180_000)));
      clearInterval(probe);
      // The mock bills request k with mockUsage(k): each task's total must be exactly one request's
      // usage, and together the n tasks must account for requests 1..n.
      const expected = new Set(Array.from({ length: n }, (_, k) => {
        const u = mockUsage(k + 1);
        return JSON.stringify({ input: u.input_tokens, cachedInput: u.input_tokens_details.cached_tokens, output: u.output_tokens, reasoningOutput: u.output_tokens_details.reasoning_tokens, total: u.total_tokens });
      }));
      const totals = new Set<string>();
      for (const s of finals) {
        const t = JSON.stringify(s.tokens.total);
        totals.add(t);
        if (s.status !== 'completed' || !expected.has(t)) {
          failures.push(`${s.id}: ${s.status} ${s.error?.message ?? ''} tokens ${t}`);
        }
      }
      if (totals.size !== n) {
        failures.push(`${totals.size} distinct token totals for ${n} requests`);
      }
      if (queued !== n - 4) {
        failures.push(`${queued} tasks queued behind the cap of 4 (expected ${n - 4})`);
      }
      if (maxGap > 2000) {
        failures.push(`the event loop went ${maxGap} ms without a turn`);
      }
      const leaked = finals.filter((s) => s.pid !== undefined && alive(s.pid)).length;
      report({ case: `load: ${n} real codex tasks, cap 4, queue`, runs: n, failures: failures.length, leaked, lostBytes: 0, notes: `${queued} queued then run; every token total is exactly what the mock billed; longest event-loop gap ${maxGap} ms` }, failures);
    } finally {
      await e.close();
    }
  });

  it('HTTP 500, 429 with retry-after, a stream cut mid-answer, a slow stream, an unreachable server: Codex\'s own error and an honest end', async () => {
    const e = await startE2E();
    try {
      const each = scale(1, 3);
      const few = { 'model_providers.mock.request_max_retries': 1, 'model_providers.mock.stream_max_retries': 1 };
      const cases: { name: string; prompt: string; config?: Record<string, string | number | boolean>; expect: (s: TaskState) => boolean; kill?: boolean }[] = [
        { name: 'HTTP 500', prompt: '[[scenario:fail500]] go', config: few, expect: (s) => s.status === 'failed' && /500|Internal Server Error|high demand/i.test(s.error?.message ?? '') },
        { name: 'HTTP 429 + retry-after', prompt: '[[scenario:fail429]] go', config: few, expect: (s) => s.status === 'failed' && /429|Too Many Requests|rate limit/i.test(s.error?.message ?? '') },
        { name: 'reset mid-stream', prompt: '[[scenario:midstream]] go', config: few, expect: (s) => s.status === 'failed' && /stream disconnected|stream closed/i.test(s.error?.message ?? '') },
        { name: 'slow stream', prompt: '[[scenario:slowstream]] go', expect: (s) => s.status === 'completed' && !!s.lastMessage },
        { name: 'unreachable', prompt: '[[scenario:simple]] go', config: { model_provider: 'dead' }, kill: true, expect: (s) => s.status === 'killed' },
      ];
      const failures: string[] = [];
      let leaked = 0;
      for (const c of cases) {
        for (let i = 0; i < each; i++) {
          const h = e.manager('exec', undefined, { killGraceMs: 1000 });
          const t = await h.manager.start({ prompt: c.prompt, cwd: e.workspace(), approvalPolicy: 'never', sandbox: 'read-only', config: c.config });
          let s: TaskState;
          if (c.kill) {
            const r = await waitFor(h.manager, t.id, (x) => /Reconnecting/.test(x.activity ?? ''), 60_000);
            if (r.status !== 'running') {
              failures.push(`${c.name}: ${r.status} while reconnecting`);
            }
            s = await h.manager.kill(t.id);
          } else {
            s = await waitFinal(h.manager, t.id, 120_000);
          }
          if (!c.expect(s)) {
            failures.push(`${c.name}: ${s.status} ${s.error?.message ?? ''}`);
          }
          if (s.pid !== undefined && alive(s.pid)) {
            leaked++;
          }
        }
      }
      report({ case: 'model server faults (real codex 0.169.0, exec)', runs: cases.length * each, failures: failures.length, leaked, lostBytes: 0, notes: '500, 429 and a stream cut on every attempt fail with Codex\'s own message after its retries; a slow stream completes; unreachable shows Reconnecting… and is killed cleanly' }, failures);
    } finally {
      await e.close();
    }
  });
});
