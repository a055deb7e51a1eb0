import { Coalescer } from '../base/coalesce';
import { descendantsOf, isAlive, listProcesses, ownPgid, ownSid, type ProcIdentity, type ProcInfo } from './procfs';

/**
 * Remembers every descendant ever seen of a root process, with the process groups and sessions they
 * lived in. Codex runs each shell command in its own session (setsid), so when codex dies its commands
 * are reparented to pid 1 and a group kill of codex does not reach them; what we saw while they were
 * still its descendants is what lets us find them afterwards.
 */
export class ProcessTree {
  readonly seen = new Map<number, ProcInfo>();
  private readonly groups = new Set<number>();
  private readonly sessions = new Set<number>();

  constructor(readonly root: ProcIdentity) {
    // codex is spawned detached: it leads its own session and group, so whatever it forks without a
    // setsid of its own stays findable there even after codex is gone.
    this.groups.add(root.pid);
    this.sessions.add(root.pid);
  }

  /** Adds what a snapshot shows under the root (and under any seen process still alive). */
  sample(snapshot: readonly ProcInfo[] = listProcesses()): void {
    const parents = [this.root.pid, ...[...this.seen.values()].filter((p) => isSameLive(p, snapshot)).map((p) => p.pid)];
    for (const parent of parents) {
      for (const d of descendantsOf(parent, snapshot)) {
        this.remember(d);
      }
    }
    // A process seen before may have left for a session or group of its own since (setsid): what it
    // is in now is remembered too, so that what it forks there is found.
    for (const q of snapshot) {
      const p = this.seen.get(q.pid);
      if (p && p.startTime === q.startTime && (p.pgid !== q.pgid || p.sid !== q.sid)) {
        this.remember(q);
      }
    }
    // Strays: processes in a session or group we saw, whose parent chain to us is already broken.
    const mine = ownPgid();
    for (const p of snapshot) {
      if (!this.seen.has(p.pid) && p.pid !== this.root.pid && p.pgid !== mine && (this.sessions.has(p.sid) || this.groups.has(p.pgid))) {
        this.remember(p);
      }
    }
  }

  private remember(p: ProcInfo): void {
    // A reused pid overwrites the old entry: the newer process was found under our root or in our
    // sessions, so it is ours too; the old one is gone either way.
    this.seen.set(p.pid, p);
    const mine = ownPgid();
    if (p.pgid > 1 && p.pgid !== mine) {
      this.groups.add(p.pgid);
    }
    if (p.sid > 1 && p.sid !== ownSid()) {
      this.sessions.add(p.sid);
    }
  }

  /** Seen descendants still alive (same pid and start time). */
  alive(): ProcInfo[] {
    return [...this.seen.values()].filter((p) => isAlive(p));
  }

  /** Process groups seen, minus our own. */
  processGroups(): number[] {
    return [...this.groups];
  }
}

function isSameLive(p: ProcInfo, snapshot: readonly ProcInfo[]): boolean {
  return snapshot.some((q) => q.pid === p.pid && q.startTime === p.startTime && q.state !== 'Z');
}

/**
 * One /proc scan per tick shared by every watched tree, so that twenty running tasks cost one scan,
 * not twenty. The timer is unref'd: it never keeps a process alive.
 */
export class TreeSampler {
  private readonly trees = new Set<ProcessTree>();
  private timer: NodeJS.Timeout | undefined;
  private readonly soon = new Coalescer(() => this.tick(), 100, true);

  constructor(private readonly intervalMs = 500) {}

  /** Samples soon: a command just started, and its processes should be seen while they are ours. */
  kick(): void {
    this.soon.schedule();
  }

  watch(tree: ProcessTree): { dispose(): void } {
    this.trees.add(tree);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
    return {
      dispose: () => {
        this.trees.delete(tree);
        if (this.trees.size === 0 && this.timer) {
          clearInterval(this.timer);
          this.timer = undefined;
        }
      },
    };
  }

  tick(): void {
    if (this.trees.size === 0) {
      return;
    }
    const snapshot = listProcesses();
    for (const t of this.trees) {
      t.sample(snapshot);
    }
  }
}
