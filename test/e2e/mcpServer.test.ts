import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseRequestFile } from '../../src/core/model/request';
import { reassemble } from '../../src/core/io/rawLog';
import { mockUsage } from '../mock/mockResponsesServer';
import { CODEX_LEGACY } from '../helpers/codexHome';
import { aliveOf, req, startE2E, waitForSleep, type E2E } from '../helpers/e2eHarness';
import { until, waitFinal, waitFor } from '../helpers/managerHarness';

let e: E2E;
before(async () => {
  e = await startE2E();
});
after(async () => {
  await e.close();
});

const manager = (grace?: number) => e.manager('auto', CODEX_LEGACY, grace ? { killGraceMs: grace } : {});

describe('mcp-server transport with the real codex 0.153.4', () => {
  it('is chosen by version and runs a plain answer with both token figures', async () => {
    const h = manager();
    const t = await h.manager.start(req('[[scenario:simple]] hello', e.workspace()));
    assert.equal(t.transport, 'mcp-server');
    assert.equal(t.codexVersion, '0.153.4');
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(s.lastMessage, 'Hello from the mock model!');
    // The session lives only in this process: codex stays up, idle, for a follow-up ...
    assert.equal(s.exit, undefined);
    assert.ok(existsSync(`/proc/${s.pid}`), 'the idle session process is up');
    const u = mockUsage(e.mock.requests.at(-1)!.n);
    assert.equal(s.tokens.last?.input, u.input_tokens);
    assert.equal(s.tokens.total?.input, u.input_tokens);
    assert.ok((s.tokens.contextWindow ?? 0) > 0);
    // ... and goes with the task.
    h.manager.remove(t.id);
    assert.ok(await until(() => !existsSync(`/proc/${s.pid}`), 10_000), 'removing the task ends its idle codex');
  });

  it('streams a shell command\'s output (base64 deltas decoded)', async () => {
    const h = manager();
    const t = await h.manager.start(req('[[scenario:shell]] run it', e.workspace()));
    const chunks: string[] = [];
    h.manager.onDidChangeTask(({ task, event }) => {
      if (task.id === t.id && event?.type === 'commandOutput') {
        chunks.push(event.chunk);
      }
    });
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(s.counts.commands, 1);
    assert.match(chunks.join(''), /tick 2\n/);
    assert.ok(s.tokens.total!.total > s.tokens.last!.total);
  });

  for (const [decision, ran] of [['accept', true], ['decline', false]] as const) {
    it(`answers an elicitation in Codex's own shape: ${decision}`, async () => {
      const h = manager();
      const ws = e.workspace();
      const t = await h.manager.start(req('[[scenario:approval]] needs approval', ws, { approvalPolicy: 'on-request' }));
      const asking = await waitFor(h.manager, t.id, (s) => s.status === 'needsApproval');
      assert.match(asking.pendingApprovals[0].command ?? '', /touch approved_once\.txt/);
      h.manager.answerApproval(t.id, asking.pendingApprovals[0].requestId, decision);
      const s = await waitFinal(h.manager, t.id);
      assert.equal(s.status, 'completed', JSON.stringify(s.error));
      assert.equal(existsSync(path.join(ws, 'approved_once.txt')), ran);
      const sent = reassemble(s.rawLogPath!, 'in').toString('utf8');
      assert.match(sent, decision === 'accept' ? /"decision":"approved"/ : /"decision":\{"denied":\{"rejection"/);
    });
  }

  it('interrupts in the middle of sleep 30 and leaves no sleep alive', async () => {
    const h = manager(1000);
    const t = await h.manager.start(req('[[scenario:sleep]] sleep', e.workspace(), { sandbox: 'danger-full-access' }));
    const tree = await waitForSleep(h, t.id);
    const s = await h.manager.interrupt(t.id);
    assert.equal(s.status, 'interrupted');
    assert.deepEqual(aliveOf(tree).map((p) => `${p.pid}:${p.comm}`), []);
  });

  it('kills in the middle of sleep 30 (no tools/call answer ever comes) and leaves no process', async () => {
    const h = manager(1000);
    const t = await h.manager.start(req('[[scenario:sleep]] sleep', e.workspace(), { sandbox: 'danger-full-access' }));
    const tree = await waitForSleep(h, t.id);
    const s = await h.manager.kill(t.id);
    assert.equal(s.status, 'killed');
    assert.deepEqual(aliveOf(tree).map((p) => `${p.pid}:${p.comm}`), []);
  });

  it('ends failed with Codex\'s own error on HTTP 500', async () => {
    const h = manager();
    const t = await h.manager.start(req('[[scenario:fail500]] fail', e.workspace(), { config: { 'model_providers.mock.request_max_retries': 1, 'model_providers.mock.stream_max_retries': 1 } }));
    const s = await waitFinal(h.manager, t.id, 90_000);
    assert.equal(s.status, 'failed');
    assert.equal(s.error?.kind, 'internal_server_error');
  });

  it('continues the thread with codex-reply', async () => {
    const h = manager();
    const t = await h.manager.start(req('[[scenario:simple]] first', e.workspace()));
    const first = await waitFinal(h.manager, t.id);
    assert.equal(first.status, 'completed');
    await h.manager.followUp(t.id, '[[scenario:followup]] again');
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(s.threadId, first.threadId);
    assert.equal(s.turns.length, 2, JSON.stringify(s, null, 1) + reassemble(s.rawLogPath!, 'out').toString('utf8').slice(-3000));
    assert.match(s.lastMessage ?? '', /I see 2 prompts in history/);
    assert.match(reassemble(s.rawLogPath!, 'in').toString('utf8'), /"name":"codex-reply"/);
  });

  it('runs the seed\'s request file unchanged', async () => {
    const ws = e.workspace();
    const file = path.join(ws, 'mcp-request.json');
    writeFileSync(
      file,
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'codex', arguments: { prompt: '[[scenario:shell]] Your task here', cwd: ws, 'approval-policy': 'never', sandbox: 'danger-full-access' } } }, null, 2),
    );
    const request = parseRequestFile(readFileSync(file, 'utf8'), { approvalPolicy: 'on-request', sandbox: 'read-only' });
    const h = manager();
    const t = await h.manager.start(request);
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(s.request.sandbox, 'danger-full-access');
    const sent = reassemble(s.rawLogPath!, 'in').toString('utf8');
    assert.match(sent, /"approval-policy":"never","sandbox":"danger-full-access"/);
  });
});
