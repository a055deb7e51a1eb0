import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { reassemble } from '../../src/core/io/rawLog';
import { mockUsage } from '../mock/mockResponsesServer';
import { CODEX_LEGACY } from '../helpers/codexHome';
import { aliveOf, req, startE2E, waitForSleep, type E2E } from '../helpers/e2eHarness';
import { waitFinal } from '../helpers/managerHarness';

let e: E2E;
before(async () => {
  e = await startE2E();
});
after(async () => {
  await e.close();
});


describe('exec transport with the real codex 0.169.0', () => {
  it('runs a plain answer offline and reports usage', async () => {
    const h = e.manager('exec');
    const ws = e.workspace();
    const t = await h.manager.start(req('[[scenario:simple]] say hello', ws));
    assert.equal(t.transport, 'exec');
    assert.equal(t.codexVersion, '0.169.0');
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(s.lastMessage, 'Hello from the mock model!');
    assert.deepEqual(s.exit, { code: 0, signal: null });
    assert.match(s.threadId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(s.turns.length, 1);
    assert.equal(s.turns[0].status, 'completed');
    // exec reports the thread total; one model request was made for this thread.
    const n = e.mock.requests.at(-1)!.n;
    const u = mockUsage(n);
    assert.equal(s.tokens.total?.input, u.input_tokens);
    assert.equal(s.tokens.total?.output, u.output_tokens);
    assert.equal(s.tokens.total?.cachedInput, u.input_tokens_details.cached_tokens);
    assert.equal(s.tokens.total?.reasoningOutput, u.output_tokens_details.reasoning_tokens);
    assert.equal(e.mock.requests.at(-1)!.originator, 'codex_exec');
  });

  it('runs a shell command and counts it', async () => {
    const h = e.manager('exec');
    const t = await h.manager.start(req('[[scenario:shell]] run it', e.workspace()));
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(s.counts.commands, 1);
    assert.match(s.lastMessage ?? '', /hello-from-shell/);
    const raw = reassemble(s.rawLogPath!, 'out').toString('utf8');
    assert.match(raw, /"type":"command_execution"/);
  });

  it('runs a shell command on the legacy codex 0.153.4 too', async () => {
    const h = e.manager('exec', CODEX_LEGACY);
    const t = await h.manager.start(req('[[scenario:shell]] run it', e.workspace()));
    assert.equal(t.codexVersion, '0.153.4');
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(s.counts.commands, 1);
    assert.match(s.lastMessage ?? '', /hello-from-shell/);
  });

  it('applies a patch in the workspace', async () => {
    const h = e.manager('exec');
    const ws = e.workspace();
    const t = await h.manager.start(req('[[scenario:patch]] add a file', ws));
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(readFileSync(path.join(ws, 'created_by_patch.txt'), 'utf8'), 'hello from apply_patch\n');
    assert.equal(s.counts.filesChanged, 1);
  });

  it('continues the thread with a follow-up turn (exec resume)', async () => {
    const h = e.manager('exec');
    const t = await h.manager.start(req('[[scenario:simple]] first', e.workspace()));
    const first = await waitFinal(h.manager, t.id);
    assert.equal(first.status, 'completed');
    await h.manager.followUp(t.id, '[[scenario:followup]] and again');
    const s = await waitFinal(h.manager, t.id);
    assert.equal(s.status, 'completed', JSON.stringify(s.error));
    assert.equal(s.threadId, first.threadId, 'same thread');
    assert.equal(s.turns.length, 2);
    assert.match(s.lastMessage ?? '', /I see 2 prompts in history/);
    assert.ok(s.tokens.total!.input > first.tokens.total!.input, 'thread total grew');
  });

  const failures: [string, RegExp][] = [
    ['fail500', /500|high demand|Internal Server Error/i],
    ['fail401', /401|Unauthorized/i],
    ['fail429', /429|Too Many Requests|rate limit/i],
    ['ctxexceeded', /context window/i],
  ];
  for (const [scenario, pattern] of failures) {
    it(`ends failed with Codex's own error on ${scenario}`, async () => {
      const h = e.manager('exec');
      // Fewer retries keep the run short; the error path is the same as with codex's default of 5.
      const t = await h.manager.start(
        req(`[[scenario:${scenario}]] go`, e.workspace(), { config: { 'model_providers.mock.request_max_retries': 1, 'model_providers.mock.stream_max_retries': 1 } }),
      );
      const s = await waitFinal(h.manager, t.id, 90_000);
      assert.equal(s.status, 'failed');
      assert.equal(s.exit?.code, 1);
      assert.match(s.error?.message ?? '', pattern);
      assert.equal(s.turns.at(-1)?.status, 'failed');
    });
  }

  for (const sandbox of ['danger-full-access', 'workspace-write'] as const) {
    it(`kills a task in the middle of sleep 30 under ${sandbox} and leaves no process`, async () => {
      const h = e.manager('exec', undefined, { killGraceMs: 1000 });
      const t = await h.manager.start(req('[[scenario:sleep]] sleep', e.workspace(), { sandbox }));
      const tree = await waitForSleep(h, t.id);
      const s = await h.manager.kill(t.id);
      assert.equal(s.status, 'killed');
      assert.ok(s.exit, 'an exit was recorded');
      const left = aliveOf(tree);
      assert.deepEqual(left.map((p) => `${p.pid}:${p.comm}`), []);
      assert.ok(existsSync(s.rawLogPath!));
    });
  }
});
