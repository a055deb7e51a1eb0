import type { Logger } from '../base/logger';
import { reapTree, stopTree, waitFor, type KillTarget } from './killTree';
import { readPidRecords, writePidRecords, type PidRecord } from './pidRecords';
import { isAlive, readProc, type ProcIdentity } from './procfs';
import { ProcessTree } from './processTree';

export type { PidRecord } from './pidRecords';

export interface ReapResult {
  readonly reaped: PidRecord[];
  /** Recorded pids alive but not ours any more (pid reused): left alone. */
  readonly foreign: PidRecord[];
}

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
    this.records = readPidRecords(file);
  }

  private save(): void {
    try {
      writePidRecords(this.file, this.records);
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
   * by the same stages as a task's kill (killTree.ts), then forgets all records. A pid now used by
   * another process is left alone.
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
      const identity: ProcIdentity = { pid: r.pid, startTime: r.startTime };
      const target: KillTarget = { root: identity, tree: new ProcessTree(identity), rootAlive: () => isAlive(identity) };
      target.tree.sample();
      this.logger.warn(`reaping leftover codex pid ${r.pid} of task ${r.taskId} with ${target.tree.alive().length} descendant(s)`);
      // No transport to ask: it was another window's. Straight to SIGTERM, then SIGKILL, then whatever it left.
      await stopTree(target, { graceMs });
      await waitFor(() => !isAlive(identity), graceMs);
      await reapTree(target, graceMs);
      reaped.push(r);
    }
    this.records = [];
    this.save();
    return { reaped, foreign };
  }
}
