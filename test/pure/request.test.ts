import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BadRequest } from '../../src/core/model/errors';
import { checkCompatibility, parseRequestFile, parseTaskRequest } from '../../src/core/model/request';
import { tomlValue } from '../../src/core/transports/execProtocol';

const dir = mkdtempSync(path.join(os.tmpdir(), 'req-'));
const defaults = { approvalPolicy: 'never', sandbox: 'workspace-write' } as const;

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof BadRequest, `expected BadRequest, got ${String(e)}`);
    return e.issues.map((i) => i.field);
  }
  assert.fail('expected a BadRequest');
}

describe('TaskRequest', () => {
  it('accepts a valid request and keeps it exactly', () => {
    const prompt = 'rm -rf / ; $(whoami) `id` && echo "quoted" \n second line';
    const r = parseTaskRequest({ prompt, cwd: dir, approvalPolicy: 'on-request', sandbox: 'read-only', model: 'gpt-5.5', config: { model_reasoning_effort: 'high' } });
    assert.equal(r.prompt, prompt);
    assert.equal(r.cwd, dir);
    assert.deepEqual(r.config, { model_reasoning_effort: 'high' });
  });

  it('names every bad field', () => {
    const fields = fieldsOf(() => parseTaskRequest({ prompt: '  ', cwd: 'relative/dir', approvalPolicy: 'sometimes', sandbox: 'open' }));
    assert.deepEqual(fields.sort(), ['approvalPolicy', 'cwd', 'prompt', 'sandbox']);
  });

  it('refuses a cwd that does not exist (codex itself would accept it)', () => {
    const missing = path.join(dir, 'no-such-dir');
    try {
      parseTaskRequest({ prompt: 'x', cwd: missing, approvalPolicy: 'never', sandbox: 'read-only' });
      assert.fail('accepted a missing cwd');
    } catch (e) {
      assert.ok(e instanceof BadRequest);
      assert.equal(e.issues[0].field, 'cwd');
      assert.match(e.issues[0].message, /does not exist/);
      assert.match(e.message, new RegExp(missing));
    }
  });

  it('refuses unknown fields and config keys that could read as flags', () => {
    assert.deepEqual(fieldsOf(() => parseTaskRequest({ prompt: 'x', cwd: dir, approvalPolicy: 'never', sandbox: 'read-only', extra: 1 })), ['']);
    assert.deepEqual(fieldsOf(() => parseTaskRequest({ prompt: 'x', cwd: dir, approvalPolicy: 'never', sandbox: 'read-only', config: { '--dangerous': true } })), ['config.--dangerous']);
  });

  it('says "required" for a missing field', () => {
    try {
      parseTaskRequest({ cwd: dir, approvalPolicy: 'never', sandbox: 'read-only' });
      assert.fail('accepted a request without a prompt');
    } catch (e) {
      assert.ok(e instanceof BadRequest);
      assert.equal(e.issues[0].field, 'prompt');
      assert.match(e.issues[0].message, /^required/);
    }
  });
});

describe('transport compatibility', () => {
  const req = (approvalPolicy: 'untrusted' | 'on-request' | 'never') => parseTaskRequest({ prompt: 'x', cwd: dir, approvalPolicy, sandbox: 'read-only' });
  it('exec refuses untrusted with a field-level message', () => {
    assert.deepEqual(fieldsOf(() => checkCompatibility(req('untrusted'), 'exec')), ['approvalPolicy']);
  });
  it('exec runs on-request as never, with a warning', () => {
    const c = checkCompatibility(req('on-request'), 'exec');
    assert.equal(c.effectivePolicy, 'never');
    assert.equal(c.warnings.length, 1);
  });
  it('mcp-server refuses untrusted; app-server takes every policy', () => {
    assert.deepEqual(fieldsOf(() => checkCompatibility(req('untrusted'), 'mcp-server')), ['approvalPolicy']);
    assert.equal(checkCompatibility(req('untrusted'), 'app-server').effectivePolicy, 'untrusted');
  });
});

describe('seed request file', () => {
  const seed = (args: Record<string, unknown>) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'codex', arguments: args } });

  it('maps the seed file onto a TaskRequest as-is', () => {
    const r = parseRequestFile(seed({ prompt: 'Your task here', cwd: dir, 'approval-policy': 'never', sandbox: 'danger-full-access' }), defaults);
    assert.deepEqual(r, { prompt: 'Your task here', cwd: dir, approvalPolicy: 'never', sandbox: 'danger-full-access' });
  });

  it('fills cwd and policies from defaults when the file leaves them out', () => {
    const r = parseRequestFile(seed({ prompt: 'p' }), { ...defaults, cwd: dir });
    assert.equal(r.cwd, dir);
    assert.equal(r.sandbox, 'workspace-write');
  });

  it('names the field and the expected shape for a bad file', () => {
    try {
      parseRequestFile(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'codex', arguments: { prompt: 42, sandbox: 'wide-open' } } }), defaults, 'req.json');
      assert.fail('accepted a bad file');
    } catch (e) {
      assert.ok(e instanceof BadRequest);
      const fields = e.issues.map((i) => i.field);
      assert.ok(fields.includes('params.arguments.prompt'), fields.join());
      assert.ok(fields.includes('params.arguments.sandbox'), fields.join());
      assert.match(e.message, /^req\.json: /);
      assert.match(e.message, /expected shape: \{"jsonrpc":"2\.0"/);
    }
  });

  it('reports a file that is not JSON, and the wrong method or tool', () => {
    assert.throws(() => parseRequestFile('{ not json', defaults), (e: unknown) => e instanceof BadRequest && /not valid JSON/.test(e.message));
    assert.throws(
      () => parseRequestFile(JSON.stringify({ method: 'tools/list', params: { name: 'codex-reply', arguments: { prompt: 'x' } } }), defaults),
      (e: unknown) => e instanceof BadRequest && e.issues.some((i) => i.field === 'method') && e.issues.some((i) => i.field === 'params.name'),
    );
  });

  it('reports a missing cwd in the file\'s own vocabulary', () => {
    assert.throws(
      () => parseRequestFile(seed({ prompt: 'p', 'approval-policy': 'sometimes' }), defaults),
      (e: unknown) => e instanceof BadRequest && e.issues.some((i) => i.field === 'params.arguments.approval-policy'),
    );
  });
});

describe('tomlValue', () => {
  it('quotes strings and leaves numbers and booleans bare', () => {
    assert.equal(tomlValue('a "b"'), '"a \\"b\\""');
    assert.equal(tomlValue(3), '3');
    assert.equal(tomlValue(true), 'true');
  });
});
