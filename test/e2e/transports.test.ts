import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TransportPreference } from '../../src/core/process/codexLocator';
import { CODEX_CURRENT, CODEX_LEGACY } from '../helpers/codexHome';
import { startE2E, type E2E } from '../helpers/e2eHarness';
import { waitFor } from '../helpers/managerHarness';

let e: E2E;
before(async () => {
  e = await startE2E();
});
after(async () => {
  await e.close();
});

/** The same request on each transport reaches the same final TaskState shape. */
const table: { transport: TransportPreference; codex: string; version: string }[] = [
  { transport: 'exec', codex: CODEX_CURRENT, version: '0.169.0' },
  { transport: 'app-server', codex: CODEX_CURRENT, version: '0.169.0' },
  { transport: 'mcp-server', codex: CODEX_LEGACY, version: '0.153.4' },
];

describe('MCP tool calls reach the state and the rendered output', () => {
  // The mock model calls our MCP server's `echo` tool; an unknown model name makes codex offer MCP
  // tools directly instead of behind its tool search.
  for (const row of table.filter((r) => r.transport !== 'mcp-server')) {
    it(`${row.transport}: tool call begin and end`, async () => {
      const h = e.manager(row.transport, row.codex);
      const events: string[] = [];
      const t = await h.manager.start({ prompt: '[[scenario:tool]] call the tool', cwd: e.workspace(), approvalPolicy: 'never', sandbox: 'read-only', model: 'mock-model' });
      h.manager.onDidChangeTask(({ task, event }) => {
        if (task.id === t.id && (event?.type === 'toolCallBegin' || event?.type === 'toolCallEnd')) {
          events.push(`${event.type}:${event.server}.${event.tool}${event.type === 'toolCallEnd' ? `:${event.error ?? 'ok'}` : ''}`);
        }
      });
      const s = await waitFor(h.manager, t.id, (x) => x.status === 'completed' || x.status === 'failed', 90_000);
      assert.equal(s.status, 'completed', JSON.stringify(s.error));
      assert.equal(s.counts.toolCalls, 1);
      assert.deepEqual(events, ['toolCallBegin:mocktools.echo', 'toolCallEnd:mocktools.echo:ok']);
      assert.equal(s.lastMessage, 'The tool said: echo: ping from the mock model');
    });
  }
});

describe('one request, three transports, one final state shape', () => {
  for (const row of table) {
    it(`${row.transport} (codex ${row.version})`, async () => {
      const h = e.manager(row.transport, row.codex);
      const t = await h.manager.start({ prompt: '[[scenario:shell]] run a command', cwd: e.workspace(), approvalPolicy: 'never', sandbox: 'workspace-write' });
      const s = await waitFor(h.manager, t.id, (x) => x.status === 'completed' || x.status === 'failed' || x.status === 'killed', 90_000);
      assert.equal(s.transport, row.transport);
      assert.equal(s.codexVersion, row.version);
      assert.equal(s.status, 'completed', JSON.stringify(s.error));
      assert.match(s.lastMessage ?? '', /^The command printed: .*hello-from-shell/);
      assert.ok(s.tokens.total && s.tokens.total.input > 0 && s.tokens.total.output > 0 && s.tokens.total.total > 0, 'token totals present');
      assert.deepEqual(s.counts, { commands: 1, toolCalls: 0, filesChanged: 0, unknownEvents: 0, warnings: s.counts.warnings });
      assert.deepEqual(s.turns.map((x) => x.status), ['completed']);
      assert.match(s.threadId ?? '', /^[0-9a-f-]{36}$/);
    });
  }
});
