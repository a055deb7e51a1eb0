import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { reassemble } from '../../src/core/io/rawLog';
import { isFinal } from '../../src/core/model/taskState';
import { mockUsage } from '../mock/mockResponsesServer';
import { aliveOf, req, startE2E, waitForSleep, type E2E } from '../helpers/e2eHarness';
import { waitFinal, waitFor } from '../helpers/managerHarness';

let e: E2E;
before(async () => {
  e = await startE2E();
});
after(async () => {
  await e.close();
});


describe('app-server transport with the real codex 0.169.0', () => {
  it('is chosen by version and runs a plain answer with both token figures', async () => {
    const h = e.manager('auto');
    const t = await h.manager.start(req('[[scenario:simple]] hello', e.workspace()));
    assert.equal(t.transport, 'app-server');
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(s.lastMessage, 'Hello from the mock model!');
    assert.deepEqual(s.exit, { code: 0, signal: null });
    assert.equal(s.turns.length, 1);
    const n = e.mock.requests.at(-1)!.n;
    assert.equal(e.mock.requests.at(-1)!.originator, 'codex_tasks_vscode', 'clientInfo.name is sent upstream as the originator');
    const u = mockUsage(n);
    assert.equal(s.tokens.last?.input, u.input_tokens, 'latest response');
    assert.equal(s.tokens.last?.output, u.output_tokens);
    assert.equal(s.tokens.total?.input, u.input_tokens, 'thread total (one request so far)');
    assert.ok((s.tokens.contextWindow ?? 0) > 0, 'context window known');
  });

  it('streams a shell command\'s output', async () => {
    const h = e.manager('app-server');
    const t = await h.manager.start(req('[[scenario:shell]] run it', e.workspace()));
    const deltas: string[] = [];
    h.manager.onDidChangeTask(({ task, event }) => {
      if (task.id === t.id && event?.type === 'commandOutput') {
        deltas.push(event.chunk);
      }
    });
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(s.counts.commands, 1);
    assert.ok(deltas.length >= 2, `output streamed in ${deltas.length} deltas`);
    assert.match(deltas.join(''), /tick 3/);
    assert.ok(s.tokens.total!.total > s.tokens.last!.total, 'thread total sums both model responses');
  });

  for (const [decision, ran] of [['accept', true], ['decline', false]] as const) {
    it(`asks for approval and honours "${decision}"`, async () => {
      const h = e.manager('app-server');
      const ws = e.workspace();
      const t = await h.manager.start(req('[[scenario:approval]] needs approval', ws, { approvalPolicy: 'on-request' }));
      const asking = await waitFor(h.manager, t.id, (s) => s.status === 'needsApproval');
      assert.equal(asking.pendingApprovals.length, 1);
      assert.equal(asking.pendingApprovals[0].kind, 'command');
      assert.match(asking.pendingApprovals[0].command ?? '', /touch approved_once\.txt/);
      h.manager.answerApproval(t.id, asking.pendingApprovals[0].requestId, decision);
      await waitFor(h.manager, t.id, (s) => s.status !== 'needsApproval');
      const s = await waitFinal(h.manager, t.id);
      assert.equal(s.status, 'completed', JSON.stringify(s.error));
      assert.equal(existsSync(path.join(ws, 'approved_once.txt')), ran);
    });
  }

  it('"accept for session" answers the same command twice with one approval', async () => {
    const h = e.manager('app-server');
    const ws = e.workspace();
    let asked = 0;
    const t = await h.manager.start(req('[[scenario:approval2]] twice', ws, { approvalPolicy: 'on-request' }));
    h.manager.onDidChangeTask(({ task, event }) => {
      if (task.id === t.id && event?.type === 'approvalRequest') {
        asked += 1;
        h.manager.answerApproval(t.id, event.requestId, 'acceptForSession');
      }
    });
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(asked, 1);
    assert.equal(s.counts.commands, 2);
    assert.ok(existsSync(path.join(ws, 'approved_twice.txt')));
  });

  for (const sandbox of ['danger-full-access', 'workspace-write'] as const) {
    it(`interrupts in the middle of sleep 30 (${sandbox}) and leaves no sleep alive`, async () => {
      const h = e.manager('app-server');
      const t = await h.manager.start(req('[[scenario:sleep]] sleep', e.workspace(), { sandbox }));
      const tree = await waitForSleep(h, t.id);
      const s = await h.manager.interrupt(t.id);
      assert.equal(s.status, 'interrupted');
      assert.equal(s.turns.at(-1)?.status, 'interrupted');
      assert.deepEqual(aliveOf(tree).map((p) => `${p.pid}:${p.comm}`), []);
    });
  }

  it('kills in the middle of sleep 30 and leaves no process', async () => {
    const h = e.manager('app-server');
    const t = await h.manager.start(req('[[scenario:sleep]] sleep', e.workspace(), { sandbox: 'danger-full-access' }));
    const tree = await waitForSleep(h, t.id);
    const s = await h.manager.kill(t.id);
    assert.equal(s.status, 'killed');
    assert.deepEqual(aliveOf(tree).map((p) => `${p.pid}:${p.comm}`), []);
  });

  it('ends failed with Codex\'s own error kind on HTTP 500', async () => {
    const h = e.manager('app-server');
    const t = await h.manager.start(req('[[scenario:fail500]] fail', e.workspace(), { config: { 'model_providers.mock.request_max_retries': 1, 'model_providers.mock.stream_max_retries': 1 } }));
    const s = await waitFinal(h.manager, t.id, 90_000);
    assert.equal(s.status, 'failed');
    assert.equal(s.error?.kind, 'internalServerError');
    assert.equal(s.turns.at(-1)?.status, 'failed');
  });

  it('shows an unreachable model server as reconnecting, then is killed cleanly', async () => {
    const h = e.manager('app-server', undefined, { killGraceMs: 1000 });
    const t = await h.manager.start(req('[[scenario:simple]] unreachable', e.workspace(), { config: { model_provider: 'dead' } }));
    const retrying = await waitFor(h.manager, t.id, (s) => /Reconnecting/.test(s.activity ?? ''), 60_000);
    assert.equal(retrying.status, 'running');
    const pid = retrying.pid!;
    const s = await h.manager.kill(t.id);
    assert.equal(s.status, 'killed');
    assert.ok(isFinal(s.status));
    assert.equal(existsSync(`/proc/${pid}`) && !/\bZ\b/.test(''), false, 'codex is gone');
  });

  it('continues the thread with a follow-up turn through thread/resume in a new process', async () => {
    const h = e.manager('app-server');
    const t = await h.manager.start(req('[[scenario:simple]] first', e.workspace()));
    const first = await waitFinal(h.manager, t.id);
    assert.equal(first.status, 'completed');
    const firstPid = first.pid;
    await h.manager.followUp(t.id, '[[scenario:followup]] again');
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.notEqual(s.pid, firstPid, 'a new codex process');
    assert.equal(s.threadId, first.threadId);
    assert.equal(s.turns.length, 2);
    assert.match(s.lastMessage ?? '', /I see 2 prompts in history/);
    assert.ok(s.tokens.total!.total > first.tokens.total!.total, 'the thread total carried over and grew');
    assert.match(reassemble(s.rawLogPath!, 'in').toString('utf8'), /"method":"thread\/resume"/);
  });
});
