import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomicFile';
import type { Logger } from '../base/logger';
import { descendantsOf, isAlive, listProcesses, readProc, signalGroup, signalIfSame, type ProcIdentity } from './procfs';

export interface PidRecord extends ProcIdentity {
  readonly taskId: string;
  readonly executable: string;
  readonly startedAt: number;
}

export interface ReapResult {
  readonly reaped: PidRecord[];
  /** Recorded pids alive but not ours any more (pid reused): left alone. */
  readonly foreign: PidRecord[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Every codex we start, recorded on disk with its start time, so that a later activation (after a
 * crash or a killed extension host) can find and stop leftovers that are ours, and never a process
 * that merely got the same pid.
 */
export class PidRegistry {
  private records: PidRecord[];

  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {
    this.records = this.load();
  }

  private load(): PidRecord[] {
    try {
      const v: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      return Array.isArray(v) ? (v as PidRecord[]).filter((r) => typeof r.pid === 'number' && typeof r.startTime === 'number') : [];
    } catch {
      return [];
    }
  }

  private save(): void {
    try {
      writeFileAtomic(this.file, JSON.stringify(this.records));
    } catch (e) {
      this.logger.warn(`could not write the pid registry ${this.file}: ${(e as Error).message}`);
    }
  }

  add(r: PidRecord): void {
    this.records.push(r);
    this.save();
  }

  remove(pid: number, startTime: number): void {
    const before = this.records.length;
    this.records = this.records.filter((r) => !(r.pid === pid && r.startTime === startTime));
    if (this.records.length !== before) {
      this.save();
    }
  }

  list(): readonly PidRecord[] {
    return this.records;
  }

  /**
   * Stops every recorded codex still alive and ours (same pid, same start time), with its whole tree,
   * then forgets all records. A pid now used by another process is left alone.
   */
  async reap(graceMs = 1000): Promise<ReapResult> {
    const reaped: PidRecord[] = [];
    const foreign: PidRecord[] = [];
    for (const r of this.records) {
      const p = readProc(r.pid);
      if (!p) {
        continue;
      }
      if (!isAlive(r)) {
        if (p.startTime !== r.startTime) {
          foreign.push(r);
          this.logger.info(`pid ${r.pid} (task ${r.taskId}) is now another process (${p.comm}); left alone`);
        }
        continue;
      }
      const snapshot = listProcesses();
      const tree = descendantsOf(r.pid, snapshot);
      const sessions = new Set([r.pid, ...tree.map((d) => d.sid)]);
      const strays = snapshot.filter((q) => q.pid !== r.pid && sessions.has(q.sid) && !tree.some((d) => d.pid === q.pid));
      const all = [...tree, ...strays];
      this.logger.warn(`reaping leftover codex pid ${r.pid} of task ${r.taskId} with ${all.length} descendant(s)`);
      for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
        for (const d of all) {
          signalIfSame(d, sig);
          signalGroup(d.pgid, sig);
        }
        signalIfSame(r, sig);
        signalGroup(r.pid, sig);
        const end = Date.now() + graceMs;
        while (Date.now() < end && (isAlive(r) || all.some((d) => isAlive(d)))) {
          await sleep(25);
        }
        if (!isAlive(r) && !all.some((d) => isAlive(d))) {
          break;
        }
      }
      reaped.push(r);
    }
    this.records = [];
    this.save();
    return { reaped, foreign };
  }
}
