import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stamp, type EventBody, type TaskEvent } from '../../src/core/model/events';
import { initialState, isFinal, reduce, type TaskState } from '../../src/core/model/taskState';

/** reduce, transition by transition: the one writer of TaskState. */
const request = { prompt: 'p', cwd: '/tmp', approvalPolicy: 'on-request', sandbox: 'read-only' } as const;
const at = 1_000;
const ev = (b: EventBody, t = at): TaskEvent => stamp(b, t);
const run = (s: TaskState, ...bodies: EventBody[]): TaskState => bodies.reduce((x, b) => reduce(x, ev(b)), s);
const fresh = () => initialState('abcdef', request, 0);
/** A task whose turn runs: spawned, session, turn started. */
const running = () => run(fresh(), { type: 'starting' }, { type: 'spawned', pid: 42, transport: 'app-server', codexVersion: '0.169.0' }, { type: 'sessionStarted', threadId: 't1', model: 'gpt-5.5' }, { type: 'turnStarted', turnId: 'u1' });
const exit = (over: Partial<Extract<EventBody, { type: 'exit' }>> = {}): EventBody => ({ type: 'exit', code: 0, signal: null, killedByUs: false, stderrTail: '', ...over });

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) {
      deepFreeze(v);
    }
  }
  return o;
}

/** One event of every type, for the checks that hold for all of them. */
const EVERY: EventBody[] = [
  { type: 'prepared', transport: 'exec', codexVersion: '0.169.0', rawLogPath: '/l/abcdef.jsonl' },
  { type: 'queued' },
  { type: 'starting' },
  { type: 'spawned', pid: 1, transport: 'exec', codexVersion: '0.169.0' },
  { type: 'sessionStarted', threadId: 't', model: 'm', contextWindow: 1000 },
  { type: 'turnStarted', turnId: 'x' },
  { type: 'reasoning', text: 'r', delta: true },
  { type: 'agentMessage', text: 'a', delta: false },
  { type: 'commandBegin', itemId: 'c', command: 'ls' },
  { type: 'commandOutput', itemId: 'c', chunk: 'out' },
  { type: 'commandEnd', itemId: 'c', command: 'ls', exitCode: 0, status: 'completed' },
  { type: 'fileChange', itemId: 'f', changes: [{ path: 'a.ts', kind: 'add', diff: '+x' }], status: 'completed' },
  { type: 'diff', diff: 'd' },
  { type: 'toolCallBegin', itemId: 'k', server: 's', tool: 't' },
  { type: 'toolCallEnd', itemId: 'k', server: 's', tool: 't' },
  { type: 'tokenUsage', total: { input: 1, cachedInput: 0, output: 1, reasoningOutput: 0, total: 2 } },
  { type: 'approvalRequest', requestId: '0', kind: 'command', command: 'rm x' },
  { type: 'approvalResolved', requestId: '0' },
  { type: 'warning', message: 'w' },
  { type: 'stalled', seconds: 5 },
  { type: 'error', message: 'e', willRetry: false },
  { type: 'turnEnd', status: 'completed' },
  { type: 'stderr', line: 'l' },
  { type: 'unknown', raw: '?', reason: 'r' },
  { type: 'stopping', reason: 'killed by user' },
  { type: 'dequeued', reason: 'killed by user' },
  { type: 'resumed' },
  { type: 'sessionIdle' },
  { type: 'sessionClosed', code: 0, signal: null },
  { type: 'abandoned', reason: 'window closed' },
  exit(),
];

describe('reduce: every event', () => {
  it('keeps every field of the state present (one shape; next() forgets none)', () => {
    const keys = Object.keys(fresh()).sort();
    for (const e of EVERY) {
      for (const from of [fresh(), running()]) {
        assert.deepEqual(Object.keys(reduce(from, ev(e))).sort(), keys, e.type);
      }
    }
  });

  it('is pure: the state it is given is never changed', () => {
    for (const e of EVERY) {
      const from = deepFreeze(running());
      const copy = JSON.parse(JSON.stringify(from)) as TaskState;
      reduce(from, ev(e));
      assert.deepEqual(JSON.parse(JSON.stringify(from)), copy, e.type);
    }
  });
});

describe('reduce: the engine\'s own transitions', () => {
  it('prepared records the transport, the codex and the raw log', () => {
    const s = run(fresh(), { type: 'prepared', transport: 'mcp-server', codexVersion: '0.153.4', rawLogPath: '/l/x.jsonl' });
    assert.deepEqual([s.transport, s.codexVersion, s.rawLogPath, s.status], ['mcp-server', '0.153.4', '/l/x.jsonl', 'queued']);
  });

  it('queued → starting → spawned → running, with the pid and the start time', () => {
    const s1 = run(fresh(), { type: 'starting' });
    assert.equal(s1.status, 'starting');
    const s2 = reduce(s1, ev({ type: 'spawned', pid: 42, transport: 'exec', codexVersion: '0.169.0' }, 5));
    assert.deepEqual([s2.status, s2.pid, s2.startedAt, s2.activity], ['running', 42, 5, 'starting codex']);
  });

  it('a spawn during a kill stays stopping', () => {
    const s = run(fresh(), { type: 'stopping', reason: 'killed by user' }, { type: 'spawned', pid: 1, transport: 'exec', codexVersion: '1' });
    assert.equal(s.status, 'stopping');
  });

  it('dequeued: killed, or interrupted when the window closed, with the reason and the time', () => {
    const k = reduce(fresh(), ev({ type: 'dequeued', reason: 'killed by user' }, 7));
    assert.deepEqual([k.status, k.endReason, k.endedAt, k.pid], ['killed', 'killed by user', 7, undefined]);
    assert.equal(run(fresh(), { type: 'dequeued', reason: 'window closed' }).status, 'interrupted');
    assert.equal(run(fresh(), { type: 'dequeued', reason: 'killed by a chat agent' }).status, 'killed');
  });

  it('a follow-up queued clears the last end (reason, error, exit)', () => {
    const failed = run(running(), { type: 'error', message: 'boom', willRetry: false }, { type: 'turnEnd', status: 'failed' }, exit({ code: 1 }));
    assert.equal(failed.status, 'failed');
    const q = run(failed, { type: 'queued' });
    assert.deepEqual([q.status, q.error, q.exit, q.endReason], ['queued', undefined, undefined, undefined]);
    assert.equal(q.turns.length, 1, 'the thread keeps its turns');
  });

  it('resumed: the idle session runs again, its end cleared', () => {
    const idle = run(running(), { type: 'turnEnd', status: 'completed' }, { type: 'sessionIdle' });
    assert.equal(idle.status, 'completed');
    const r = run(idle, { type: 'resumed' });
    assert.deepEqual([r.status, r.endedAt, r.endReason, r.error], ['running', undefined, undefined, undefined]);
  });

  it('sessionClosed records the exit of the idle session and leaves the result', () => {
    const idle = run(running(), { type: 'turnEnd', status: 'completed' }, { type: 'sessionIdle' });
    const c = run(idle, { type: 'sessionClosed', code: null, signal: 'SIGTERM' });
    assert.deepEqual([c.status, c.exit], ['completed', { code: null, signal: 'SIGTERM' }]);
  });

  it('abandoned: a running task is recorded interrupted, with nothing left in flight; a finished one is untouched', () => {
    const busy = run(running(), { type: 'commandBegin', itemId: 'c', command: 'sleep 9' }, { type: 'approvalRequest', requestId: '3', kind: 'command' });
    const a = reduce(busy, ev({ type: 'abandoned', reason: 'the extension host stopped while it ran' }, 9));
    assert.deepEqual([a.status, a.endReason, a.endedAt, a.activity, a.active, a.pendingApprovals], ['interrupted', 'the extension host stopped while it ran', 9, undefined, {}, []]);
    const done = run(running(), { type: 'turnEnd', status: 'completed' }, exit());
    assert.equal(reduce(done, ev({ type: 'abandoned', reason: 'x' })), done);
  });
});

describe('reduce: what codex says', () => {
  it('a turn started twice (same id) is one turn', () => {
    assert.equal(run(running(), { type: 'turnStarted', turnId: 'u1' }).turns.length, 1);
  });

  it('commands and tool calls: in flight while they run, counted when they end, the activity follows', () => {
    const long = `cat <<EOF\n${'x '.repeat(500)}\nEOF`;
    const s = run(running(), { type: 'commandBegin', itemId: 'c1', command: long }, { type: 'toolCallBegin', itemId: 't1', server: 'srv', tool: 'echo' });
    assert.deepEqual(Object.keys(s.active), ['c1', 't1']);
    assert.equal(s.activity, 'tool srv.echo');
    assert.ok(s.active.c1.length <= 82 && s.active.c1.startsWith('$ cat <<EOF x x') && s.active.c1.endsWith('…'), s.active.c1);
    const s2 = run(s, { type: 'toolCallEnd', itemId: 't1', server: 'srv', tool: 'echo' });
    assert.equal(s2.activity, s.active.c1, 'back to the command still running');
    const s3 = run(s2, { type: 'commandEnd', itemId: 'c1', command: long, exitCode: 0, status: 'completed' });
    assert.deepEqual([s3.counts.commands, s3.counts.toolCalls, s3.active, s3.activity], [1, 1, {}, 'thinking']);
  });

  it('an approval makes a running task wait, and its answer lets it run', () => {
    const w = run(running(), { type: 'approvalRequest', requestId: '0', kind: 'command', command: 'rm -rf build' });
    assert.deepEqual([w.status, w.pendingApprovals.map((a) => a.requestId), w.activity], ['needsApproval', ['0'], 'waiting for approval: $ rm -rf build']);
    const r = run(w, { type: 'approvalResolved', requestId: '0', decision: 'accept' });
    assert.deepEqual([r.status, r.pendingApprovals], ['running', []]);
  });

  it('a retried error is shown as the activity, a final one is the error', () => {
    const r = run(running(), { type: 'error', message: 'Reconnecting... 2/5', willRetry: true });
    assert.deepEqual([r.activity, r.error], ['Reconnecting... 2/5', undefined]);
    const f = run(running(), { type: 'error', message: 'quota', kind: 'usageLimitExceeded', willRetry: false });
    assert.deepEqual(f.error, { message: 'quota', kind: 'usageLimitExceeded' });
  });

  it('tokens: the thread total, the latest response and the context window', () => {
    const c = (n: number) => ({ input: n, cachedInput: 0, output: n, reasoningOutput: 0, total: 2 * n });
    const s = run(running(), { type: 'tokenUsage', total: c(10), last: c(5), contextWindow: 1000 }, { type: 'tokenUsage', total: c(20) });
    assert.deepEqual(s.tokens, { total: c(20), last: c(5), contextWindow: 1000 });
  });

  it('per-file diffs stand in until a whole-turn diff arrives', () => {
    const s = run(running(), { type: 'fileChange', itemId: 'f', changes: [{ path: 'a.ts', kind: 'add', diff: '+a' }], status: 'completed' });
    assert.deepEqual([s.latestDiff, s.counts.filesChanged], ['+a', 1]);
    assert.equal(run(s, { type: 'diff', diff: 'whole' }).latestDiff, 'whole');
  });

  it('stopping never reopens a finished task (the same state comes back)', () => {
    const done = run(running(), { type: 'turnEnd', status: 'completed' }, exit());
    assert.equal(reduce(done, ev({ type: 'stopping', reason: 'killed by user' })), done);
  });

  it('stderr and streamed output leave the state as it was (the same object)', () => {
    const s = running();
    assert.equal(reduce(s, ev({ type: 'stderr', line: 'x' })), s);
    assert.equal(reduce(s, ev({ type: 'commandOutput', itemId: 'c', chunk: 'x' })), s);
  });
});

describe('reduce: how a task ends (exit)', () => {
  const ended = (...bodies: EventBody[]) => run(running(), ...bodies);

  it('completed: exit 0 after a completed turn', () => {
    const s = ended({ type: 'agentMessage', text: 'done', delta: false }, { type: 'turnEnd', turnId: 'u1', status: 'completed' }, exit());
    assert.deepEqual([s.status, s.lastMessage, s.exit, s.endedAt, s.activity], ['completed', 'done', { code: 0, signal: null }, at, undefined]);
  });

  it('failed: exit 0 before the turn finished (the running turn is marked interrupted)', () => {
    const s = ended(exit());
    assert.deepEqual([s.status, s.error?.message, s.turns.map((t) => t.status)], ['failed', 'codex exited before the turn finished', ['interrupted']]);
  });

  it('failed: a non-zero exit, with the last lines of stderr', () => {
    const s = ended(exit({ code: 3, stderrTail: 'a\nb\nc\nfatal: no' }));
    assert.deepEqual([s.status, s.error?.message, s.stderrTail], ['failed', 'b\nc\nfatal: no', 'a\nb\nc\nfatal: no']);
  });

  it('failed: a failed turn keeps its error', () => {
    const s = ended({ type: 'turnEnd', status: 'failed', error: 'context window exceeded' }, exit());
    assert.deepEqual([s.status, s.error?.message], ['failed', 'context window exceeded']);
  });

  it('killed: a signal from outside is never completed', () => {
    const s = ended({ type: 'turnEnd', status: 'completed' }, exit({ code: null, signal: 'SIGKILL' }));
    assert.deepEqual([s.status, s.endReason, s.error?.message], ['killed', 'killed by SIGKILL (not by Codex Tasks)', 'codex was killed by SIGKILL']);
  });

  it('killed by us: killed, or interrupted when the window closed or the user interrupted', () => {
    assert.deepEqual([ended(exit({ signal: 'SIGTERM', code: null, killedByUs: true, killReason: 'killed by user' }))].map((s) => [s.status, s.endReason]), [['killed', 'killed by user']]);
    assert.equal(ended(exit({ killedByUs: true, killReason: 'window closed' })).status, 'interrupted');
    assert.equal(ended(exit({ killedByUs: true, killReason: 'interrupted by user' })).status, 'interrupted');
    assert.equal(ended({ type: 'stopping', reason: 'killed by a chat agent' }, exit({ killedByUs: true })).endReason, 'killed by a chat agent', 'the reason given when it started stopping');
  });

  it('interrupted: the last turn was interrupted', () => {
    const s = ended({ type: 'turnEnd', status: 'interrupted' }, exit());
    assert.deepEqual([s.status, s.endReason], ['interrupted', 'turn interrupted']);
  });

  it('the idle session (mcp-server): final at sessionIdle, from its last turn', () => {
    for (const [turn, status] of [['completed', 'completed'], ['interrupted', 'interrupted'], ['failed', 'failed']] as const) {
      const s = ended({ type: 'turnEnd', status: turn }, { type: 'sessionIdle' });
      assert.equal(s.status, status);
      assert.ok(isFinal(s.status));
    }
  });
});
