import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pruneRawLogs } from '../../src/core/io/retention';

describe('raw log retention', () => {
  const make = (dir: string, id: string, ageDays: number) => {
    const f = path.join(dir, `${id}.jsonl`);
    writeFileSync(f, '{}\n');
    const t = (Date.now() - ageDays * 86_400_000) / 1000;
    utimesSync(f, t, t);
    return f;
  };

  it('removes logs past the age and the count, newest kept, listed tasks never', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'retention-'));
    const fresh = make(dir, 'aaaaa1', 0);
    const recent = make(dir, 'aaaaa2', 1);
    const old = make(dir, 'aaaaa3', 40);
    const oldButListed = make(dir, 'aaaaa4', 50);
    const other = path.join(dir, 'notes.txt');
    writeFileSync(other, 'not a raw log');
    const removed = pruneRawLogs(dir, { maxAgeDays: 30, maxCount: 0 }, new Set(['aaaaa4']));
    assert.deepEqual(removed, ['aaaaa3.jsonl']);
    assert.ok(existsSync(fresh) && existsSync(recent) && existsSync(oldButListed) && existsSync(other));
    assert.ok(!existsSync(old));
    assert.deepEqual(pruneRawLogs(dir, { maxAgeDays: 0, maxCount: 1 }, new Set(['aaaaa4'])), ['aaaaa2.jsonl']);
    assert.ok(existsSync(fresh), 'the newest is kept');
  });
});
