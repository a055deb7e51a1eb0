import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { stamp, type EventBody } from '../../src/core/model/events';
import { COMMAND_OUTPUT_SHOWN, COMMAND_OUTPUT_TAIL, Renderer, renderHeader } from '../../src/core/text/render';
import type { TaskRequest, TransportKind } from '../../src/core/model/request';
import { initialState, reduce, type TaskState } from '../../src/core/model/taskState';
import { AppServerTransport } from '../../src/core/transports/appServerTransport';
import { ExecTransport } from '../../src/core/transports/execTransport';
import { McpServerTransport } from '../../src/core/transports/mcpServerTransport';
import type { Transport, TransportContext } from '../../src/core/transports/transport';
import { nullLogger } from '../../src/core/base/logger';
import { ROOT } from '../helpers/codexHome';
import { matchGolden } from '../helpers/golden';

/**
 * Replays transcripts recorded from the real codex binaries (test/fixtures/recordTranscripts.ts) through
 * the transports, the reducer and the renderer, and checks that they reach the state the live run
 * reached, and render exactly their golden text (`<name>.golden.txt`: the output channel's text and
 * what was written to codex's stdin; `UPDATE_GOLDEN=1` rewrites them). Recorded with codex 0.169.0 and
 * 0.153.4 against our mock server.
 */
const DIR = path.join(ROOT, 'test/fixtures/transcripts');

interface Rec {
  d: string;
  l?: string;
  b?: string;
  eol?: false;
  event?: string;
  request?: TaskRequest;
  transport?: TransportKind;
  codexVersion?: string;
  code?: number | null;
  signal?: string | null;
}

function replay(file: string): { state: TaskState; text: string; sent: string[]; wire: string[]; header: string } {
  const recs = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
  const task = recs.find((r) => r.event === 'task')!;
  const ctx: TransportContext = {
    request: task.request!,
    install: { executable: 'codex', configuredPath: 'codex', version: task.codexVersion!, env: {}, viaNpmWrapper: false },
    effectivePolicy: task.request!.approvalPolicy,
    env: {},
    logger: nullLogger,
  };
  const transport: Transport = task.transport === 'exec' ? new ExecTransport(ctx) : task.transport === 'mcp-server' ? new McpServerTransport(ctx) : new AppServerTransport(ctx);
  let state = initialState('abcdef', task.request!);
  const header = renderHeader(state);
  const renderer = new Renderer();
  let text = '';
  const emit = (b: EventBody) => {
    const e = stamp(b);
    state = reduce(state, e);
    text += renderer.render(e, state);
  };
  const sent: string[] = [];
  // `wire` is all the session did to the process, in order (the golden files show it).
  const wire: string[] = [];
  const io = {
    write: (l: string) => {
      sent.push(l);
      wire.push(l);
    },
    endStdin: () => void wire.push('(stdin closed)'),
    signal: (sig: string) => void wire.push(`(signal ${sig})`),
  };
  emit({ type: 'spawned', pid: 1, transport: transport.kind, codexVersion: ctx.install.version });
  const session = transport.open(io, { prompt: task.request!.prompt }, emit);
  let partial = '';
  for (const r of recs) {
    if (r.d !== 'out') {
      continue;
    }
    const piece = r.b !== undefined ? Buffer.from(r.b, 'base64').toString('utf8') : (r.l ?? '');
    if (r.eol === false) {
      partial += piece;
      continue;
    }
    session.onLine(partial + piece);
    partial = '';
  }
  // An mcp-server session stays up after its turn (no exit in the transcript).
  const exit = recs.filter((r) => r.event === 'exit').pop();
  if (exit) {
    emit({ type: 'exit', code: exit.code ?? null, signal: exit.signal ?? null, killedByUs: false, stderrTail: '' });
  }
  return { state, text, sent, wire, header };
}

/** What a golden file holds: the output channel's text, then every line sent to codex's stdin. */
const goldenText = (r: ReturnType<typeof replay>) => `${r.header}${r.text}\n──── sent to codex's stdin ────\n${r.wire.join('\n')}\n`;

for (const transport of readdirSync(DIR)) {
  describe(`${transport} transcripts recorded from the real codex`, () => {
    for (const f of readdirSync(path.join(DIR, transport)).filter((x) => x.endsWith('.jsonl'))) {
      it(`${f} replays to the recorded final state`, () => {
        const expected = JSON.parse(readFileSync(path.join(DIR, transport, f.replace(/\.jsonl$/, '.expected.json')), 'utf8'));
        const { state, text } = replay(path.join(DIR, transport, f));
        assert.equal(state.status, expected.status);
        assert.equal(state.lastMessage, expected.lastMessage);
        assert.deepEqual(state.counts, expected.counts);
        assert.deepEqual(JSON.parse(JSON.stringify(state.tokens)), expected.tokens);
        assert.deepEqual(state.turns.map((t) => t.status), expected.turns);
        assert.equal(state.error?.message, expected.error?.message);
        assert.equal(state.counts.unknownEvents, 0, 'every line of a real transcript is understood');
        assert.match(text, new RegExp(`task ${expected.status}`));
        if (expected.approvals) {
          assert.match(text, /approval needed \(command\)/);
        }
      });

      it(`${f} renders its golden text`, () => {
        matchGolden(path.join(DIR, transport, f.replace(/\.jsonl$/, '.golden.txt')), goldenText(replay(path.join(DIR, transport, f))));
      });
    }
  });
}

describe('app-server specifics on real transcripts', () => {
  it('sends an honest initialize, then thread/start and turn/start in order', () => {
    const { sent } = replay(path.join(DIR, 'app-server/plain.jsonl'));
    const methods = sent.map((l) => (JSON.parse(l) as { method?: string }).method);
    assert.deepEqual(methods.slice(0, 4), ['initialize', 'initialized', 'thread/start', 'turn/start']);
    const init = JSON.parse(sent[0]) as { params: { clientInfo: { name: string; title: string; version: string } } };
    assert.equal(init.params.clientInfo.name, 'codex_tasks_vscode');
    assert.ok(!('jsonrpc' in JSON.parse(sent[0])), 'app-server takes no jsonrpc field');
  });

  it('never shows an answer twice when the stream is cut and re-sent under a new item id', () => {
    const { text } = replay(path.join(DIR, 'app-server/midstream.jsonl'));
    const raw = readFileSync(path.join(DIR, 'app-server/midstream.jsonl'), 'utf8');
    const resent = (raw.match(/item\/agentMessage\/delta/g) ?? []).length;
    assert.ok(resent >= 4, `the transcript re-sends the partial answer (${resent} deltas)`);
    assert.equal(text.split('partial answer').length - 1, 1, text);
  });

  it('streams command output and keeps aggregatedOutput as the authority', () => {
    const { text } = replay(path.join(DIR, 'app-server/shell.jsonl'));
    assert.equal(text.split('tick 3\n').length - 1, 1, 'each output line once');
    assert.match(text, /→ exit 0 in /);
  });
});

describe('mcp-server specifics on real transcripts', () => {
  it('answers the elicitation in Codex\'s own shape and decodes base64 output', () => {
    const { sent } = replay(path.join(DIR, 'mcp-server/approval-decline.jsonl'));
    assert.ok(sent.every((l) => (JSON.parse(l) as { jsonrpc?: string }).jsonrpc === '2.0'), 'MCP messages carry jsonrpc');
    const { text } = replay(path.join(DIR, 'mcp-server/shell.jsonl'));
    assert.equal(text.split('tick 3\n').length - 1, 1);
    assert.match(text, /\$ \/bin\/bash -lc 'echo hello-from-shell/);
  });
});

describe('renderer layout', () => {
  it('puts a command\'s end right under its streamed output, with no blank line', () => {
    const { text } = replay(path.join(DIR, 'app-server/shell.jsonl'));
    assert.doesNotMatch(text, /\n\n {2}→ exit/, text);
    assert.match(text, /tick 3\n(.*\n)*? {2}→ exit 0 in /);
  });
});

describe('huge command output', () => {
  it('shows the head of a command\'s output, says where the rest is, and shows its last lines when it ends', () => {
    const r = new Renderer();
    const s: TaskState = { ...initialState('abcdef', { prompt: 'p', cwd: '/tmp', approvalPolicy: 'never', sandbox: 'read-only' }), rawLogPath: '/logs/abcdef.jsonl' };
    let shown = 0;
    let notes = '';
    const lines = 200_000; // ~2.5 MB of "line N\n"
    let total = 0;
    for (let i = 0; i < lines; i++) {
      const chunk = `line ${i}\n`;
      total += chunk.length;
      const out = r.render(stamp({ type: 'commandOutput', itemId: 'c1', chunk }), s);
      shown += out.length;
      if (out !== chunk) {
        notes += out;
      }
    }
    const end = r.render(stamp({ type: 'commandEnd', itemId: 'c1', command: 'seq', exitCode: 0, status: 'completed' }), s);
    assert.ok(shown <= COMMAND_OUTPUT_SHOWN + 300, `shown ${shown} chars while streaming`);
    assert.match(notes, /more output than is shown here \(256\.0 KB\): the rest is in the raw log \/logs\/abcdef\.jsonl/);
    const m = /… (.+) not shown \(in the raw log\); the last (.+):\n([\s\S]*)\n {2}→ exit 0\n$/.exec(end);
    assert.ok(m, end.slice(0, 300));
    const tail = m[3];
    assert.ok(tail.length <= COMMAND_OUTPUT_TAIL && tail.length > COMMAND_OUTPUT_TAIL - 20, `tail of ${tail.length} chars`);
    assert.ok(tail.startsWith('line ') && tail.endsWith(`line ${lines - 1}`), tail.slice(-40));
    // shown head + skipped + tail account for every character
    const skippedKb = Number(/([\d.]+) MB/.exec(m[1])?.[1]) * 1024 * 1024;
    assert.ok(Math.abs(COMMAND_OUTPUT_SHOWN + skippedKb + tail.length + 1 - total) < 0.06 * 1024 * 1024, `${m[1]} skipped of ${total}`);
    // The next command starts fresh.
    assert.equal(r.render(stamp({ type: 'commandOutput', itemId: 'c2', chunk: 'small\n' }), s), 'small\n');
  });
});
