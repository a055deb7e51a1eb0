import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CodexNotFound, UnsupportedVersion } from '../../src/core/model/errors';
import { chooseTransport, findCodex, locateCodex, resolveNpmWrapper } from '../../src/core/process/codexLocator';
import { CODEX_CURRENT, CODEX_LEGACY } from '../helpers/codexHome';
import { fakeCodexBin, makeManager } from '../helpers/managerHarness';

/** Finding codex: the real binaries of the dev dependencies, and fake ones (processes run). */
const dir = mkdtempSync(path.join(os.tmpdir(), 'req-'));

describe('finding codex', () => {
  it('throws CodexNotFound naming every PATH directory searched', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'nopath-'));
    try {
      findCodex(undefined, { PATH: `${empty}:/nonexistent/bin` });
      assert.fail('found a codex that does not exist');
    } catch (e) {
      assert.ok(e instanceof CodexNotFound);
      assert.equal(e.code, 'CodexNotFound');
      assert.deepEqual(e.searched, [empty, '/nonexistent/bin']);
    }
    assert.throws(() => findCodex('/nonexistent/codex', {}), (e: unknown) => e instanceof CodexNotFound && /\/nonexistent\/codex/.test(e.message));
  });

  it('resolves the npm wrapper to the native binary it would run (both versions)', () => {
    const cur = resolveNpmWrapper(CODEX_CURRENT);
    assert.ok(cur, 'resolved');
    assert.match(cur.native, /@openai\/codex-linux-x64\/vendor\/x86_64-unknown-linux-musl\/bin\/codex$/);
    const legacy = resolveNpmWrapper(CODEX_LEGACY);
    assert.ok(legacy);
    assert.match(legacy.native, /codex-legacy\/node_modules\/@openai\/codex-linux-x64\//, 'the alias uses its own nested native package');
    assert.equal(resolveNpmWrapper('/bin/sh'), undefined);
  });

  it('reads the real versions and spawns the native binary', async () => {
    const i = await locateCodex(CODEX_CURRENT, process.env);
    assert.equal(i.version, '0.169.0');
    assert.equal(i.viaNpmWrapper, true);
    assert.notEqual(i.executable, CODEX_CURRENT);
    assert.equal((await locateCodex(CODEX_LEGACY, process.env)).version, '0.153.4');
  });

  it('chooses the transport by version', () => {
    assert.equal(chooseTransport('0.169.0', 'auto'), 'app-server');
    assert.equal(chooseTransport('0.154.0', 'auto'), 'app-server');
    assert.equal(chooseTransport('0.153.4', 'auto'), 'mcp-server');
    assert.equal(chooseTransport('0.153.4', 'exec'), 'exec');
    assert.throws(() => chooseTransport('0.153.4', 'app-server'), UnsupportedVersion);
    assert.throws(() => chooseTransport('0.169.0', 'mcp-server'), UnsupportedVersion);
    assert.throws(() => chooseTransport('0.10.0', 'auto'), (e: unknown) => e instanceof UnsupportedVersion && e.code === 'UnsupportedVersion');
  });

  it('gives UnsupportedVersion for a codex that is too old, through the engine', async () => {
    const h = makeManager({ codexPath: fakeCodexBin() }, { ...process.env, FAKE_CODEX_VERSION: '0.10.0' });
    await assert.rejects(h.manager.start({ prompt: 'x', cwd: dir, approvalPolicy: 'never', sandbox: 'read-only' }), (e: unknown) => e instanceof UnsupportedVersion);
    assert.equal(h.manager.list().length, 0, 'nothing started');
    const missing = makeManager({ codexPath: '/nonexistent/codex' });
    await assert.rejects(missing.manager.start({ prompt: 'x', cwd: dir, approvalPolicy: 'never', sandbox: 'read-only' }), (e: unknown) => e instanceof CodexNotFound);
  });
});
