import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PidRegistry } from '../../src/core/process/pidRegistry';
import { readProc } from '../../src/core/process/procfs';
import { RAW_LOG_HIGH_WATER, RawLog, reassemble } from '../../src/core/io/rawLog';
import { createHash } from 'node:crypto';
import { fakeCodexBin, makeManager, memoryLogger, sleep, until, waitFinal, waitFor } from '../helpers/managerHarness';

const work = mkdtempSync(path.join(os.tmpdir(), 'lifecycle-'));
const codexPath = fakeCodexBin();

function readPids(file: string): number[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}
/** Alive and not a zombie. */
function alive(pid: number): boolean {
  const p = readProc(pid);
  return p !== undefined && p.state !== 'Z';
}

const managers: { dispose(): Promise<void> }[] = [];
after(async () => {
  await Promise.all(managers.map((m) => m.dispose()));
});

function setup(mode: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const pidsFile = path.join(mkdtempSync(path.join(work, 'p-')), 'pids');
  const h = makeManager({ codexPath, transport: 'exec', killGraceMs: 500 }, { ...process.env, FAKE_CODEX_MODE: mode, FAKE_CODEX_PIDS: pidsFile, ...extraEnv });
  managers.push(h.manager);
  return { ...h, pidsFile };
}

const request = { prompt: 'do it', cwd: work, approvalPolicy: 'never', sandbox: 'workspace-write' };

describe('process lifecycle with real processes', () => {
  it('kills a three-level tree with a setsid branch and leaves nothing', async () => {
    const { manager, pidsFile } = setup('tree');
    const t = await manager.start(request);
    // fake codex, bash, 2 sleeps under bash (one in a subshell), the setsid bash and its sleep
    assert.ok(await until(() => readPids(pidsFile).length >= 7, 10_000), `tree not started: ${readPids(pidsFile).join(',')}`);
    await waitFor(manager, t.id, (s) => s.status === 'running');
    const pids = readPids(pidsFile);
    assert.ok(pids.every(alive), 'every process of the tree runs before the kill');
    const final = await manager.kill(t.id);
    assert.equal(final.status, 'killed');
    assert.equal(final.endReason, 'killed by user');
    const survivors = pids.filter(alive);
    assert.deepEqual(survivors, [], `survivors: ${survivors.map((p) => `${p}:${readProc(p)?.comm}`).join(' ')}`);
  });

  it('reports a SIGKILL from outside as killed by SIGKILL, and reaps what it left', async () => {
    const { manager, pidsFile } = setup('tree');
    const t = await manager.start(request);
    assert.ok(await until(() => readPids(pidsFile).length >= 7, 10_000));
    const running = await waitFor(manager, t.id, (s) => s.status === 'running');
    const pids = readPids(pidsFile);
    // The engine samples the tree every 500 ms (and right after a command starts): give it one look.
    await sleep(700);
    process.kill(running.pid!, 'SIGKILL');
    const final = await waitFinal(manager, t.id);
    assert.equal(final.status, 'killed');
    assert.deepEqual(final.exit, { code: null, signal: 'SIGKILL' });
    assert.match(final.endReason ?? '', /SIGKILL \(not by Codex Tasks\)/);
    assert.deepEqual(pids.filter(alive), []);
  });

  it('ends a non-zero exit as failed with the stderr tail', async () => {
    const { manager } = setup('exit3');
    const t = await manager.start(request);
    const final = await waitFinal(manager, t.id);
    assert.equal(final.status, 'failed');
    assert.deepEqual(final.exit, { code: 3, signal: null });
    assert.match(final.error?.message ?? '', /fatal: the fake codex failed on purpose/);
    assert.match(final.stderrTail ?? '', /starting/);
  });

  it('completes a plain turn with its message and token totals', async () => {
    const { manager } = setup('plain');
    const t = await manager.start(request);
    const final = await waitFinal(manager, t.id);
    assert.equal(final.status, 'completed');
    assert.equal(final.lastMessage, 'fake answer');
    assert.deepEqual(final.tokens.total, { input: 120, cachedInput: 20, output: 30, reasoningOutput: 5, total: 150 });
    assert.match(final.id, /^[0-9a-f]{6}$/);
  });

  it('escalates to SIGTERM when the graceful stop is ignored', async () => {
    const { manager } = setup('hang');
    const t = await manager.start(request);
    await waitFor(manager, t.id, (s) => s.threadId !== undefined);
    const started = Date.now();
    const final = await manager.kill(t.id);
    assert.equal(final.status, 'killed');
    assert.equal(final.exit?.signal, 'SIGTERM');
    assert.ok(Date.now() - started >= 450, 'waited the grace before escalating');
  });

  it('dispose() kills every task and leaves no process', async () => {
    const { manager, pidsFile } = setup('tree');
    const a = await manager.start(request);
    assert.ok(await until(() => readPids(pidsFile).length >= 7, 10_000));
    await waitFor(manager, a.id, (s) => s.status === 'running');
    const pids = readPids(pidsFile);
    await manager.dispose();
    assert.equal(manager.get(a.id)?.status, 'interrupted');
    assert.equal(manager.get(a.id)?.endReason, 'window closed');
    assert.deepEqual(pids.filter(alive), []);
  });

  it('queues past the concurrency cap and kills a queued task without starting it', async () => {
    const pidsFile = path.join(mkdtempSync(path.join(work, 'q-')), 'pids');
    const h = makeManager({ codexPath, transport: 'exec', killGraceMs: 300, maxConcurrentTasks: 1 }, { ...process.env, FAKE_CODEX_MODE: 'hang', FAKE_CODEX_PIDS: pidsFile });
    managers.push(h.manager);
    const first = await h.manager.start(request);
    const second = await h.manager.start(request);
    assert.equal(h.manager.get(second.id)?.status, 'queued');
    const k2 = await h.manager.kill(second.id);
    assert.equal(k2.status, 'killed');
    assert.equal(k2.pid, undefined, 'a queued task never spawned');
    const third = await h.manager.start(request);
    await h.manager.kill(first.id);
    await waitFor(h.manager, third.id, (s) => s.status === 'running');
    await h.manager.kill(third.id);
  });
});

describe('pid registry', () => {
  it('reaps a leftover that is ours and never signals a pid that is not', async () => {
    const dir = mkdtempSync(path.join(work, 'reg-'));
    const ours = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    const notOurs = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
    await until(() => readProc(ours.pid!) !== undefined && readProc(notOurs.pid!) !== undefined);
    const oursInfo = readProc(ours.pid!)!;
    const file = path.join(dir, 'pids.json');
    writeFileSync(
      file,
      JSON.stringify([
        { pid: ours.pid, startTime: oursInfo.startTime, taskId: 'aaaaaa', executable: 'sleep', startedAt: 0 },
        // Same pid as a live process, but another start time: a reused pid, not ours.
        { pid: notOurs.pid, startTime: readProc(notOurs.pid!)!.startTime - 1, taskId: 'bbbbbb', executable: 'codex', startedAt: 0 },
      ]),
    );
    const reg = new PidRegistry(file, memoryLogger().logger);
    const r = await reg.reap(500);
    assert.deepEqual(r.reaped.map((x) => x.taskId), ['aaaaaa']);
    assert.deepEqual(r.foreign.map((x) => x.taskId), ['bbbbbb']);
    assert.ok(await until(() => !alive(ours.pid!), 3000), 'our leftover was reaped');
    assert.ok(alive(notOurs.pid!), 'the foreign process was left alone');
    notOurs.kill('SIGKILL');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), []);
  });

  it('records a running codex and forgets it when it ends', async () => {
    const { manager } = setup('hang');
    const t = await manager.start(request);
    const s = await waitFor(manager, t.id, (x) => x.pid !== undefined);
    assert.deepEqual(manager.registry.list().map((r) => r.pid), [s.pid]);
    assert.equal(manager.registry.list()[0].startTime, readProc(s.pid!)!.startTime);
    await manager.kill(t.id);
    assert.deepEqual(manager.registry.list(), []);
  });
});

describe('hostile stdout', () => {
  it('survives garbage, invalid UTF-8, a 10 MB line, truncated JSON and unknown events; the raw log is byte-complete', async () => {
    const copy = path.join(mkdtempSync(path.join(work, 'g-')), 'stdout.bin');
    const { manager } = setup('garbage', { FAKE_CODEX_COPY: copy });
    const t = await manager.start(request);
    const final = await waitFinal(manager, t.id);
    assert.equal(final.status, 'completed', JSON.stringify(final.error));
    assert.equal(final.lastMessage, 'still alive after garbage');
    assert.ok(final.counts.unknownEvents >= 6, `unknown events counted: ${final.counts.unknownEvents}`);
    const sent = readFileSync(copy);
    const logged = reassemble(final.rawLogPath!, 'out');
    assert.equal(logged.length, sent.length, 'same number of bytes');
    assert.ok(logged.equals(sent), 'the raw log holds exactly the bytes codex wrote');
    assert.equal(statSync(final.rawLogPath!).mode & 0o777, 0o600, 'raw log readable by the owner only');
  });
});

describe('raw log backpressure', () => {
  it('reports congestion above the high-water mark and relief once the disk caught up', async () => {
    const log = new RawLog(path.join(mkdtempSync(path.join(work, 'bp-')), 'log.jsonl'));
    const line = Buffer.from('z'.repeat(64 * 1024));
    let n = 0;
    while (!log.congested) {
      log.line('out', line);
      n++;
    }
    assert.ok(n * (line.length + 40) > RAW_LOG_HIGH_WATER && n > 1, `congested after ${n} lines`);
    const relieved = await new Promise<boolean>((resolve) => {
      log.whenRelieved(() => resolve(!log.congested));
    });
    assert.equal(relieved, true);
    await log.close();
    assert.equal(reassemble(log.path, 'out').length, n * (line.length + 1));
  });

  it('a codex writing 200 MB as fast as it can: every byte reaches the raw log, in order', async () => {
    const stats = path.join(mkdtempSync(path.join(work, 'fl-')), 'stats.json');
    const h = makeManager({ codexPath, transport: 'auto' }, { ...process.env, FAKE_CODEX_MODE: 'flood', FAKE_CODEX_FLOOD_RATE: '0', FAKE_CODEX_FLOOD_BYTES: String(200 * 1024 * 1024), FAKE_CODEX_FLOOD_DELTA: String(256 * 1024), FAKE_CODEX_STATS: stats });
    managers.push(h.manager);
    const t = await h.manager.start(request);
    const final = await waitFinal(h.manager, t.id, 180_000);
    assert.equal(final.status, 'completed', JSON.stringify(final.error));
    const sent = JSON.parse(readFileSync(stats, 'utf8')) as { stdoutBytes: number; sha256: string };
    const logged = reassemble(final.rawLogPath!, 'out');
    assert.equal(logged.length, sent.stdoutBytes);
    assert.equal(createHash('sha256').update(logged).digest('hex'), sent.sha256);
  });
});
