import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventBody } from '../../src/core/model/events';
import { arrayOf, nullable, num, oneOf, opt, recordOf, shape, str, tagged } from '../../src/core/transports/guards';
import { classify, JsonRpcSession, type RpcHandlers } from '../../src/core/transports/jsonRpc';
import { commandEndStatus, errorKind, fileChangeKind, SnakeUsage, snakeUsage } from '../../src/core/transports/normalize';
import { clip, parseJsonObject } from '../../src/core/transports/transport';
import { version } from '../../package.json';
import { initializeParams as appServerInit } from '../../src/core/transports/appServerProtocol';
import { initializeParams as mcpInit } from '../../src/core/transports/mcpServerProtocol';

/** The guards codex's lines are checked with, the JSON-RPC layer both JSON-RPC wires share, the normalizers. */
describe('guards', () => {
  it('shape checks exactly its fields, keeps the others, and nests', () => {
    const G = shape({ id: str, n: opt(num), inner: shape({ v: nullable(str) }) });
    assert.ok(G({ id: 'a', inner: { v: null }, extra: 1 }));
    assert.ok(G({ id: 'a', n: 2, inner: {} }));
    assert.ok(!G({ id: 1, inner: {} }), 'a wrong type');
    assert.ok(!G({ id: 'a' }), 'a missing object');
    assert.ok(!G({ id: 'a', n: '2', inner: {} }), 'an optional field of the wrong type');
    assert.ok(!G(null) && !G([]) && !G('x'));
  });

  it('arrays, records and alternatives', () => {
    assert.ok(arrayOf(str)(['a', 'b']) && !arrayOf(str)(['a', 1]) && !arrayOf(str)({ 0: 'a' }));
    assert.ok(recordOf(num)({ a: 1 }) && !recordOf(num)({ a: '1' }));
    assert.ok(oneOf(str, shape({ type: str }))({ type: 'add' }) && !oneOf(str, num)(true));
  });

  it('tagged checks only the variant its tag names, and refuses an unknown tag', () => {
    const T = tagged('type', { a: shape({ x: num }), b: shape({ y: str }) });
    assert.ok(T({ type: 'a', x: 1 }));
    assert.ok(!T({ type: 'a', y: 'x' }));
    assert.ok(!T({ type: 'c' }) && !T({ type: 'toString' }), 'inherited names are not tags');
  });
});

describe('lines', () => {
  it('parseJsonObject: objects only, leading blanks allowed, nothing thrown', () => {
    assert.deepEqual(parseJsonObject('  \t{"a":1}'), { a: 1 });
    for (const l of ['[1]', '"s"', 'null', '{"a":', 'not json', '', ' {x}']) {
      assert.equal(parseJsonObject(l), undefined, l);
    }
  });

  it('clip keeps short lines and says how long a clipped one was', () => {
    assert.equal(clip('abc', 5), 'abc');
    assert.equal(clip('abcdefgh', 3), 'abc… (8 chars)');
  });
});

describe('JSON-RPC', () => {
  it('classify tells requests, responses and notifications apart, and says why anything else is not one', () => {
    assert.deepEqual(classify({ id: 0, method: 'x', params: 1 }), { kind: 'request', id: 0, method: 'x', params: 1 });
    assert.deepEqual(classify({ method: 'n' }), { kind: 'notification', method: 'n', params: undefined });
    assert.deepEqual(classify({ id: 'a', result: 2 }), { kind: 'response', id: 'a', result: 2 });
    assert.deepEqual(classify({ id: 3, error: { code: -1, message: 'no' } }), { kind: 'response', id: 3, result: undefined, error: { code: -1, message: 'no' } });
    assert.match(classify({ id: {}, method: 'x' }) as string, /id is neither/);
    assert.match(classify({ method: 3 }) as string, /method is not a string/);
    assert.match(classify({ id: 1, error: {} }) as string, /error without a message/);
    assert.equal(classify({ result: 1 }), 'not a JSON-RPC message');
  });

  const session = (withJsonrpc: boolean) => {
    const sent: Record<string, unknown>[] = [];
    const events: EventBody[] = [];
    const rpc = new JsonRpcSession((l) => sent.push(JSON.parse(l) as Record<string, unknown>), withJsonrpc, (e) => events.push(e));
    const seen: string[] = [];
    const on: RpcHandlers = {
      onResponse: (method, result, error) => void seen.push(`response ${method} ${JSON.stringify(result)} ${error?.message ?? ''}`),
      onRequest: (requestId, method) => void seen.push(`request ${requestId} ${method}`),
      onNotification: (method) => void seen.push(`notification ${method}`),
    };
    return { rpc, sent, events, seen, on };
  };

  it('matches each response to the request it answers, once', () => {
    const s = session(false);
    const a = s.rpc.request('initialize', {});
    const b = s.rpc.request('thread/start', {});
    s.rpc.receive(JSON.stringify({ id: b, result: { ok: 1 } }), s.on);
    s.rpc.receive(JSON.stringify({ id: a, error: { message: 'bad' } }), s.on);
    s.rpc.receive(JSON.stringify({ id: a, result: {} }), s.on);
    assert.deepEqual(s.seen, ['response thread/start {"ok":1} ', 'response initialize undefined bad', 'response undefined {} ']);
    assert.deepEqual(s.sent.map((m) => [m.id, m.method]), [[1, 'initialize'], [2, 'thread/start']]);
  });

  it('answers codex\'s request with its id exactly as sent: a string id stays a string, a number a number', () => {
    const s = session(true);
    s.rpc.receive(JSON.stringify({ jsonrpc: '2.0', id: 'e1', method: 'elicitation/create', params: {} }), s.on);
    s.rpc.receive(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'elicitation/create', params: {} }), s.on);
    assert.deepEqual(s.seen, ['request e1 elicitation/create', 'request 5 elicitation/create']);
    s.rpc.respond('5', { decision: 'approved' });
    s.rpc.respond('e1', { decision: 'abort' });
    assert.deepEqual(s.sent, [
      { jsonrpc: '2.0', id: 5, result: { decision: 'approved' } },
      { jsonrpc: '2.0', id: 'e1', result: { decision: 'abort' } },
    ]);
  });

  it('refuses an unsupported server request with "method not found", and records it as unknown', () => {
    const s = session(false);
    s.rpc.receive(JSON.stringify({ id: 7, method: 'item/tool/call', params: {} }), { ...s.on, onRequest: (id, method, _p, line) => s.rpc.refuse(id, method, line) });
    assert.deepEqual(s.sent, [{ id: 7, error: { code: -32601, message: 'Codex Tasks does not support item/tool/call' } }]);
    assert.equal(s.events[0]?.type, 'unknown');
    assert.match((s.events[0] as { reason: string }).reason, /server request item\/tool\/call is not supported; answered with an error/);
  });

  it('a line that is not JSON-RPC becomes an unknown event, never an exception', () => {
    const s = session(false);
    s.rpc.receive('garbage', s.on);
    s.rpc.receive('{"id":null}', s.on);
    assert.deepEqual(s.events.map((e) => (e as { reason: string }).reason), ['not a JSON object', 'not a JSON-RPC message (id is neither a number nor a string)']);
    assert.deepEqual(s.seen, []);
  });

  it('the jsonrpc field: on every mcp-server message, never on app-server\'s', () => {
    const mcp = session(true);
    mcp.rpc.request('initialize', {});
    mcp.rpc.notify('notifications/initialized');
    const app = session(false);
    app.rpc.request('initialize', {});
    app.rpc.notify('initialized');
    assert.ok(mcp.sent.every((m) => m.jsonrpc === '2.0'));
    assert.ok(app.sent.every((m) => !('jsonrpc' in m)));
    assert.deepEqual(app.sent[1], { method: 'initialized' });
  });

  it('introduces itself with the package\'s real version on both wires', () => {
    assert.equal(appServerInit().clientInfo.version, version);
    assert.equal(mcpInit().clientInfo.version, version);
    assert.deepEqual([appServerInit().clientInfo.name, mcpInit().clientInfo.name], ['codex_tasks_vscode', 'codex-tasks-vscode']);
  });
});

describe('normalizers shared by the wires', () => {
  it('file-change kind, command-end status, snake_case usage, error kind', () => {
    assert.deepEqual([fileChangeKind('add'), fileChangeKind({ type: 'delete' })], ['add', 'delete']);
    assert.deepEqual([commandEndStatus('declined', 1), commandEndStatus('completed', 2), commandEndStatus('failed', 0), commandEndStatus(undefined, null), commandEndStatus('completed', 0)], ['declined', 'failed', 'failed', 'completed', 'completed']);
    // Through the guard, as the transports do: it narrows a line's object to what snakeUsage reads.
    const usage = (o: unknown) => {
      assert.ok(SnakeUsage(o), JSON.stringify(o));
      return snakeUsage(o);
    };
    assert.deepEqual(usage({ input_tokens: 10, output_tokens: 5 }), { input: 10, cachedInput: 0, output: 5, reasoningOutput: 0, total: 15 }, 'exec prints no total');
    assert.equal(usage({ input_tokens: 10, output_tokens: 5, total_tokens: 99, cached_input_tokens: 3, reasoning_output_tokens: 2 }).total, 99);
    assert.ok(!SnakeUsage({ input_tokens: '10', output_tokens: 5 }));
    assert.deepEqual([errorKind('internalServerError'), errorKind({ httpConnectionFailed: { httpStatusCode: 502 } }), errorKind({ other: {} }), errorKind(7)], ['internalServerError', 'httpConnectionFailed (HTTP 502)', 'other', undefined]);
  });
});
