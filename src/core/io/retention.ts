import { readdirSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';

export interface RetentionPolicy {
  /** Raw logs older than this many days are removed (0: no age limit). */
  readonly maxAgeDays: number;
  /** At most this many raw logs are kept, newest first (0: no count limit). */
  readonly maxCount: number;
}

/**
 * Removes old raw logs (`<id>.jsonl`) from `dir`, never one in `keep` (tasks still listed). Returns
 * the removed file names.
 */
export function pruneRawLogs(dir: string, policy: RetentionPolicy, keep: ReadonlySet<string>, now = Date.now()): string[] {
  let files: { name: string; mtime: number }[];
  try {
    files = readdirSync(dir)
      .filter((f) => /^[0-9a-f]{6}\.jsonl$/.test(f))
      .map((name) => ({ name, mtime: statSync(path.join(dir, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
  } catch {
    return [];
  }
  const removed: string[] = [];
  files.forEach((f, i) => {
    const id = f.name.slice(0, 6);
    const tooOld = policy.maxAgeDays > 0 && now - f.mtime > policy.maxAgeDays * 86_400_000;
    const tooMany = policy.maxCount > 0 && i >= policy.maxCount;
    if ((tooOld || tooMany) && !keep.has(id)) {
      try {
        unlinkSync(path.join(dir, f.name));
        removed.push(f.name);
      } catch {
        // Already gone, or not ours to remove: leave it.
      }
    }
  });
  return removed;
}
