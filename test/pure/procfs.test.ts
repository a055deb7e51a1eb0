import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { descendantsOf, parseStat, type ProcInfo } from '../../src/core/process/procfs';

/** Reading /proc/PID/stat and the process tree from a snapshot, on fixed text (no process runs). */
const stat = (pid: number, comm: string, state: string, ppid: number, pgid: number, sid: number, start: number) =>
  // fields 3..22: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads itrealvalue starttime
  `${pid} (${comm}) ${state} ${ppid} ${pgid} ${sid} 34816 ${pgid} 4194560 100 0 0 0 1 2 0 0 20 0 1 0 ${start} 1000 50 18446744073709551615\n`;

describe('parseStat', () => {
  it('reads pid, parent, group, session, state and start time', () => {
    assert.deepEqual(parseStat(stat(4242, 'codex', 'S', 4200, 4242, 4100, 987654)), { pid: 4242, comm: 'codex', state: 'S', ppid: 4200, pgid: 4242, sid: 4100, startTime: 987654 });
  });

  it('a command name with spaces and parentheses does not shift the fields', () => {
    const p = parseStat(stat(7, 'a) (b ) c', 'Z', 1, 7, 7, 55));
    assert.deepEqual([p?.comm, p?.state, p?.ppid, p?.startTime], ['a) (b ) c', 'Z', 1, 55]);
  });

  it('text that is not a stat line gives undefined', () => {
    assert.equal(parseStat(''), undefined);
    assert.equal(parseStat('12 no parentheses S 1'), undefined);
    assert.equal(parseStat('12 )( S 1'), undefined);
  });
});

describe('descendantsOf', () => {
  const p = (pid: number, ppid: number): ProcInfo => ({ pid, ppid, pgid: pid, sid: pid, startTime: pid, state: 'S', comm: `p${pid}` });

  it('every descendant by parent links, children before grandchildren, nothing outside the tree', () => {
    const snapshot = [p(1, 0), p(10, 1), p(11, 10), p(12, 10), p(13, 11), p(20, 1), p(21, 20), p(14, 12)];
    assert.deepEqual(descendantsOf(10, snapshot).map((x) => x.pid), [11, 12, 13, 14]);
    assert.deepEqual(descendantsOf(13, snapshot), []);
  });

  it('a parent cycle (pids reused between reads) does not loop and never returns the root', () => {
    assert.deepEqual(descendantsOf(5, [p(5, 6), p(6, 5), p(7, 6)]).map((x) => x.pid), [6, 7]);
  });
});
