import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomicFile';
import type { ProcIdentity } from './procfs';

/**
 * The file of every codex we started (PidRegistry's), read and written here alone. Reading it needs
 * none of the process control, so that a window with nothing to reap does not load any.
 */
export interface PidRecord extends ProcIdentity {
  readonly taskId: string;
  readonly executable: string;
  readonly startedAt: number;
}

export function readPidRecords(file: string): PidRecord[] {
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(v) ? (v as PidRecord[]).filter((r) => typeof r.pid === 'number' && typeof r.startTime === 'number') : [];
  } catch {
    return [];
  }
}

export function writePidRecords(file: string, records: readonly PidRecord[]): void {
  writeFileAtomic(file, JSON.stringify(records));
}
