import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineFramer, type LinePiece } from '../../src/core/io/framer';

/** The framer: every byte of codex's stdout reaches a line or a fragment, however the chunks fall. */
function frame(chunks: (string | Buffer)[], max?: number, end = true): { text: string; eol: boolean; oversize: boolean }[] {
  const out: LinePiece[] = [];
  const f = new LineFramer((p) => out.push(p), max);
  for (const c of chunks) {
    f.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  }
  if (end) {
    f.end();
  }
  return out.map((p) => ({ text: p.bytes.toString('utf8'), eol: p.eol, oversize: p.oversize }));
}
const line = (text: string, eol = true, oversize = false) => ({ text, eol, oversize });

describe('LineFramer', () => {
  it('splits at newlines, joins lines split across chunks, keeps empty lines', () => {
    assert.deepEqual(frame(['a\nb', 'c\n\nd', 'e\n']), [line('a'), line('bc'), line(''), line('de')]);
  });

  it('a multi-byte character split between chunks comes out whole', () => {
    const bytes = Buffer.from('héllo\n');
    assert.deepEqual(frame([bytes.subarray(0, 2), bytes.subarray(2)]), [line('héllo')]);
  });

  it('a last line without a newline is flushed by end(), and only then', () => {
    assert.deepEqual(frame(['x\ntail'], undefined, false), [line('x')]);
    assert.deepEqual(frame(['x\ntail']), [line('x'), line('tail', false)]);
    assert.deepEqual(frame(['x\n']), [line('x')], 'nothing pending: end() adds nothing');
  });

  it('a line over the limit is handed on in oversize fragments, no byte lost, the next line normal again', () => {
    const pieces = frame(['abc', 'def', 'gh\nok\n'], 4);
    assert.deepEqual(pieces, [line('abcdef', false, true), line('gh', true, true), line('ok')]);
    assert.equal(pieces.map((p) => p.text).join(''), 'abcdefghok');
  });

  it('an oversize line cut off by the end of the stream still ends as oversize', () => {
    assert.deepEqual(frame(['abcdef'], 4), [line('abcdef', false, true), line('', false, true)]);
  });
});
