/**
 * Our mock of the OpenAI Responses API (POST /v1/responses, SSE), the only stand-in in the e2e tests:
 * the real `codex` binary talks to it on 127.0.0.1. A `[[scenario:NAME]]` marker in the latest user
 * message picks the script (what the tests use), and so does one of the offline demo's prompts
 * (src/vscode/demoScenarios.ts: what `npm start`'s demo and a user typing them get); the step is the
 * number of tool outputs after that message.
 *
 * Scenarios: simple, shell, sleep, patch, approval, followup, slowstream, long, fail500, fail400,
 * fail401, fail429, fail429usage, ctxexceeded, midstream, tool (an MCP-style function the model calls);
 * the demo's demo-files, demo-test, demo-approval, demo-suite.
 *
 * Usage from code: `const m = await startMockServer(); ... m.url ... await m.close()`.
 * As a program: see serve.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { demoScenarioOf } from '../../src/vscode/demoScenarios';

type Sse = Record<string, unknown> & { type: string };

interface RequestBody {
  input?: { type: string; role?: string; content?: { text?: string }[]; output?: unknown }[];
  tools?: { type?: string; name?: string; tools?: { name?: string }[] }[];
}

export interface MockRequest {
  readonly n: number;
  /** Names of the tools codex offered the model. */
  readonly tools: string[];
  readonly scenario: string;
  readonly step: number;
  readonly authorization?: string;
  readonly originator?: string;
}

export interface MockServer {
  readonly url: string;
  readonly port: number;
  readonly requests: MockRequest[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deterministic usage per request number, so totals can be checked exactly. */
export function mockUsage(n: number) {
  const input = 1000 + 111 * n;
  const cached = 100 * n;
  const output = 50 + 7 * n;
  const reasoning = 20 + n;
  return { input_tokens: input, input_tokens_details: { cached_tokens: cached }, output_tokens: output, output_tokens_details: { reasoning_tokens: reasoning }, total_tokens: input + output };
}

function toolName(tools: RequestBody['tools']): string {
  const names = new Set((tools ?? []).map((t) => t.name));
  for (const n of ['shell_command', 'exec_command', 'shell', 'local_shell']) {
    if (names.has(n)) {
      return n;
    }
  }
  return 'shell_command';
}

function shellCall(tools: RequestBody['tools'], callId: string, cmd: string, escalate: false | string = false): Sse[] {
  const name = toolName(tools);
  const args: Record<string, unknown> =
    name === 'exec_command' ? { cmd, yield_time_ms: 60_000 } : name === 'shell' ? { command: ['bash', '-lc', cmd], timeout_ms: 60_000 } : { command: cmd, timeout_ms: 60_000 };
  if (escalate) {
    args.sandbox_permissions = 'require_escalated';
    args.justification = escalate;
  }
  const item = { type: 'function_call', id: `fc_${callId}`, call_id: callId, name, arguments: JSON.stringify(args), status: 'completed' };
  return [
    { type: 'response.output_item.added', output_index: 1, item: { ...item, arguments: '', status: 'in_progress' } },
    { type: 'response.output_item.done', output_index: 1, item },
  ];
}

function patchCall(tools: RequestBody['tools'], callId: string, patch: string): Sse[] {
  const t = (tools ?? []).find((x) => x.name === 'apply_patch');
  if (t?.type === 'custom') {
    return [{ type: 'response.output_item.done', output_index: 1, item: { type: 'custom_tool_call', id: `ctc_${callId}`, call_id: callId, name: 'apply_patch', input: patch, status: 'completed' } }];
  }
  if (t) {
    return [{ type: 'response.output_item.done', output_index: 1, item: { type: 'function_call', id: `fc_${callId}`, call_id: callId, name: 'apply_patch', arguments: JSON.stringify({ input: patch }), status: 'completed' } }];
  }
  return shellCall(tools, callId, `apply_patch <<'EOF'\n${patch}\nEOF`);
}

function reasoning(id: string, parts: string[]): Sse[] {
  const text = parts.join('');
  return [
    { type: 'response.output_item.added', output_index: 0, item: { type: 'reasoning', id, summary: [] } },
    { type: 'response.reasoning_summary_part.added', item_id: id, output_index: 0, summary_index: 0, part: { type: 'summary_text', text: '' } },
    ...parts.map((delta) => ({ type: 'response.reasoning_summary_text.delta', item_id: id, output_index: 0, summary_index: 0, delta })),
    { type: 'response.reasoning_summary_text.done', item_id: id, output_index: 0, summary_index: 0, text },
    { type: 'response.output_item.done', output_index: 0, item: { type: 'reasoning', id, summary: [{ type: 'summary_text', text }], encrypted_content: null } },
  ];
}

function message(id: string, parts: string[], outputIndex = 1): Sse[] {
  const text = parts.join('');
  return [
    { type: 'response.output_item.added', output_index: outputIndex, item: { type: 'message', role: 'assistant', id, status: 'in_progress', content: [] } },
    { type: 'response.content_part.added', item_id: id, output_index: outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } },
    ...parts.map((delta) => ({ type: 'response.output_text.delta', item_id: id, output_index: outputIndex, content_index: 0, delta })),
    { type: 'response.output_text.done', item_id: id, output_index: outputIndex, content_index: 0, text },
    { type: 'response.output_item.done', output_index: outputIndex, item: { type: 'message', role: 'assistant', id, status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] } },
  ];
}

const MOCK_ESCALATION = 'mock: needs to write outside the sandbox';

/** The offline demo's scripts: what a model would plausibly do for each demo prompt. */
function demoScript(scenario: string, step: number, c: { head: Sse[]; done: Sse; tools: RequestBody['tools']; n: number; outText: string; final: (text: string) => Sse[] }): Sse[] | undefined {
  const { head, done, tools, n, outText, final } = c;
  const think = (title: string, text: string) => reasoning(`rs_${n}`, [`**${title}**\n\n`, ...chunks(text)]);
  const files = "find . -type f -not -path './.git/*'";
  switch (scenario) {
    case 'demo-files': {
      if (step === 0) {
        // One file a line, a little apart, so that the output visibly streams.
        return [...head, ...think('Listing the workspace', 'I will list every file, then count them.'), ...shellCall(tools, 'call_files_1', `${files} | sort | while read -r f; do echo "\${f#./}"; sleep 0.2; done; echo "$(${files} | wc -l) files"`), done];
      }
      const count = /(\d+) files/.exec(outText)?.[1];
      return final(count ? `There are ${count} files in the workspace.` : `The command printed: ${outText.slice(0, 200)}`);
    }
    case 'demo-test':
      if (step === 0) {
        const test = ["import assert from 'node:assert/strict';", "import { test } from 'node:test';", "import { add, divide } from './calc';", '', "test('add', () => assert.equal(add(2, 3), 5));", "test('divide', () => assert.equal(divide(6, 3), 2));"];
        return [...head, ...think('Writing a test', 'src/calc.ts exports add and divide; a node:test file covers both.'), ...patchCall(tools, 'call_test_1', `*** Begin Patch\n*** Add File: src/calc.test.ts\n${test.map((l) => `+${l}`).join('\n')}\n*** End Patch`), done];
      }
      return final('Added src/calc.test.ts with a test for add() and one for divide().');
    case 'demo-approval': {
      if (step === 0) {
        return [...head, ...think('Saving the system info', 'Writing a file needs your approval here.'), ...shellCall(tools, 'call_info_1', 'uname -srm > system-info.txt && echo "saved: $(cat system-info.txt)"', 'Write system-info.txt in the workspace'), done];
      }
      const info = /saved: (.+)/.exec(outText)?.[1];
      return final(info ? `Saved "${info.trim()}" to system-info.txt.` : 'The command did not run, so system-info.txt was not written.');
    }
    case 'demo-suite':
      if (step === 0) {
        return [...head, ...think('Running the tests', 'The slow suite takes about a minute.'), ...shellCall(tools, 'call_suite_1', 'for i in $(seq 1 60); do echo "test $i of 60 ... ok"; sleep 1; done; echo "60 passing"'), done];
      }
      return final('All 60 tests passed.');
    default:
      return undefined;
  }
}

const chunks = (s: string) => s.match(/.{1,12}/gs) ?? [s];

function script(scenario: string, step: number, body: RequestBody, n: number): Sse[] {
  const rid = `resp_${n}`;
  const head: Sse[] = [{ type: 'response.created', response: { id: rid, object: 'response', status: 'in_progress' } }];
  const done: Sse = { type: 'response.completed', response: { id: rid, object: 'response', status: 'completed', usage: mockUsage(n) } };
  const tools = body.tools;
  const lastOutput = (body.input ?? []).filter((i) => /_call_output$/.test(i.type)).pop();
  const outText = lastOutput ? (typeof lastOutput.output === 'string' ? lastOutput.output : JSON.stringify(lastOutput.output)) : '';
  const final = (text: string): Sse[] => [...head, ...reasoning(`rs_${n}`, ['**Wrapping up**\n\n', 'Summarising the result.']), ...message(`msg_${n}`, chunks(text)), done];
  const demo = demoScript(scenario, step, { head, done, tools, n, outText, final });
  if (demo) {
    return demo;
  }
  switch (scenario) {
    case 'simple':
      return [...head, ...reasoning(`rs_${n}`, ['**Thinking**\n\n', 'A short greeting ', 'will do.']), ...message(`msg_${n}`, ['Hello ', 'from the ', 'mock model!']), done];
    case 'shell':
      if (step === 0) {
        return [...head, ...reasoning(`rs_${n}`, ['**Running a command**\n\n', 'Listing files.']), ...shellCall(tools, 'call_shell_1', 'echo hello-from-shell; for i in 1 2 3; do echo tick $i; sleep 0.3; done; echo to-stderr >&2'), done];
      }
      return final(`The command printed: ${outText.slice(0, 200).replace(/\n/g, ' | ')}`);
    case 'sleep':
      if (step === 0) {
        return [...head, ...shellCall(tools, 'call_sleep_1', 'echo sleeping; sleep 30; echo slept'), done];
      }
      return final('Finished sleeping.');
    case 'patch':
      if (step === 0) {
        return [...head, ...patchCall(tools, 'call_patch_1', '*** Begin Patch\n*** Add File: created_by_patch.txt\n+hello from apply_patch\n*** End Patch'), done];
      }
      return final('Patched created_by_patch.txt.');
    case 'tool':
    case 'combo': {
      // combo: a shell command, then an MCP tool call, then the answer; tool: only the tool call.
      if (scenario === 'combo' && step === 0) {
        return [...head, ...shellCall(tools, 'call_combo_shell', 'echo combo-shell-output'), done];
      }
      const toolStep = scenario === 'combo' ? 1 : 0;
      // codex offers each MCP server's tools in a namespace (`mcp__<server>`) when the model has no
      // tool search; the call names the function and its namespace.
      const ns = (tools ?? []).find((t) => t.type === 'namespace' && (t.tools ?? []).some((x) => x.name === 'echo'));
      if (step === toolStep) {
        if (!ns) {
          return final(`No echo tool was offered (tools: ${(tools ?? []).map((t) => t.name).join(', ')}).`);
        }
        const item = { type: 'function_call', id: 'fc_tool_1', call_id: 'call_tool_1', name: 'echo', namespace: ns.name, arguments: JSON.stringify({ text: 'ping from the mock model' }), status: 'completed' };
        return [...head, { type: 'response.output_item.done', output_index: 1, item }, done];
      }
      return final(`The tool said: ${/echo: [^"\\]*/.exec(outText)?.[0] ?? outText.slice(0, 200)}`);
    }
    case 'approval':
      // An escalated command: under on-request, codex asks before running it.
      if (step === 0) {
        return [...head, ...shellCall(tools, 'call_approval_1', 'touch approved_once.txt && echo created approved_once.txt', MOCK_ESCALATION), done];
      }
      return final(`Approval scenario done. Tool output: ${outText.slice(0, 200).replace(/\n/g, ' | ')}`);
    case 'approval2':
      // The same escalated command twice: "accept for session" answers both.
      if (step < 2) {
        return [...head, ...shellCall(tools, `call_approval2_${step}`, 'touch approved_twice.txt && echo touched', MOCK_ESCALATION), done];
      }
      return final(`Ran twice. Tool output: ${outText.slice(0, 200).replace(/\n/g, ' | ')}`);
    case 'followup': {
      // Only the prompts we sent (codex adds context messages of its own).
      const prompts = (body.input ?? []).filter((i) => i.type === 'message' && i.role === 'user' && (i.content ?? []).some((p) => p.text?.includes('[[scenario:'))).length;
      return [...head, ...message(`msg_${n}`, ['Follow-up answer; ', `I see ${prompts} prompts in history.`], 0), done];
    }
    case 'slowstream':
      return [...head, ...message(`msg_${n}`, Array.from({ length: 60 }, (_, i) => `tok${i} `), 0), done];
    case 'ctxexceeded':
      return [...head, { type: 'response.failed', response: { id: rid, object: 'response', status: 'failed', error: { code: 'context_length_exceeded', message: 'mock: Your input exceeds the context window of this model.' } } }];
    case 'midstream':
      return [...head, ...message(`msg_${n}`, ['partial ', 'answer '], 0).slice(0, 4)];
    default:
      return [...head, ...message(`msg_${n}`, [`Unknown scenario '${scenario}'.`], 0), done];
  }
}

const HTTP_FAILURES: Record<string, [number, Record<string, string>]> = {
  fail500: [500, { message: 'mock internal error', type: 'server_error', code: 'internal_error' }],
  fail400: [400, { message: 'mock bad request', type: 'invalid_request_error', code: 'invalid_value' }],
  fail401: [401, { message: 'mock: invalid api key', type: 'invalid_request_error', code: 'invalid_api_key' }],
  fail429: [429, { message: 'mock: rate limit reached', type: 'rate_limit_exceeded', code: 'rate_limit_exceeded' }],
  fail429usage: [429, { message: 'mock: usage limit reached', type: 'usage_limit_reached', code: 'usage_limit_reached' }],
};

function pickScenario(body: RequestBody): { scenario: string; step: number } {
  const input = body.input ?? [];
  const text = (i: (typeof input)[number]) => (i.content ?? []).map((p) => p.text ?? '').join('');
  const users = input.map((item, i) => ({ item, i })).filter(({ item }) => item.type === 'message' && item.role === 'user');
  // The latest user message that names a scenario or is a demo prompt (codex adds its own context
  // messages), else the latest.
  const chosen = [...users].reverse().find(({ item }) => text(item).includes('[[scenario:') || demoScenarioOf(text(item)) !== undefined) ?? users[users.length - 1];
  const m = chosen ? /\[\[scenario:([a-z0-9_-]+)\]\]/.exec(text(chosen.item)) : null;
  const step = input.slice((chosen?.i ?? -1) + 1).filter((i) => /_call_output$/.test(i.type)).length;
  return { scenario: m ? m[1] : ((chosen && demoScenarioOf(text(chosen.item))?.script) ?? 'simple'), step };
}

export function startMockServer(port = 0, opts: { delayMs?: number } = {}): Promise<MockServer> {
  const delayMs = opts.delayMs ?? 20;
  const requests: MockRequest[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunksIn: Buffer[] = [];
    req.on('data', (c: Buffer) => chunksIn.push(c));
    req.on('end', () => {
      void (async () => {
        const reqNo = ++n;
        const isResponses = req.method === 'POST' && /\/responses$/.test((req.url ?? '').split('?')[0]);
        if (!isResponses) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'mock: not found' } }));
          return;
        }
        let body: RequestBody = {};
        try {
          body = JSON.parse(Buffer.concat(chunksIn).toString('utf8')) as RequestBody;
        } catch {
          // Treated as an empty request: scenario "simple".
        }
        const { scenario, step } = pickScenario(body);
        requests.push({ n: reqNo, tools: (body.tools ?? []).map((t) => (t.name?.startsWith('mcp__') ? JSON.stringify(t).slice(0, 800) : (t.name ?? '?'))), scenario, step, authorization: req.headers.authorization ? '<present>' : undefined, originator: String(req.headers.originator ?? '') });
        const fail = HTTP_FAILURES[scenario];
        if (fail) {
          res.writeHead(fail[0], { 'content-type': 'application/json', ...(fail[0] === 429 ? { 'retry-after': '1' } : {}) });
          res.end(JSON.stringify({ error: fail[1] }));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': `mockreq_${reqNo}` });
        let seq = 0;
        const delay = scenario === 'slowstream' ? 150 : delayMs;
        for (const e of script(scenario, step, body, reqNo)) {
          if (res.destroyed) {
            return;
          }
          res.write(`event: ${e.type}\ndata: ${JSON.stringify({ ...e, sequence_number: seq++ })}\n\n`);
          await sleep(delay);
        }
        res.end();
      })();
    });
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const p = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${p}/v1`,
        port: p,
        requests,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
