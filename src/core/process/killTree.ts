import { signalGroup, signalIfSame, type ProcIdentity } from './procfs';
import type { ProcessTree } from './processTree';

/**
 * The one way we stop a codex and everything under it: for a task's codex (`CodexProcess.kill`, and
 * what a codex leaves when it exits) and for the leftovers of an earlier window (`PidRegistry.reap`).
 * After the vscode-js-debug `killTree`, with what Codex needs on top: its commands run in sessions of
 * their own (setsid), so a tree is the descendants ever seen, their groups and sessions (ProcessTree),
 * and each signal stage freezes the tree first so that nothing forks past it.
 */
export interface KillTarget {
  /** The root (codex): only ever signalled while it is that very process (pid and start time). */
  readonly root: ProcIdentity;
  readonly tree: ProcessTree;
  /** Whether the root still runs (our child's exit event, or a look at /proc for a process that is not). */
  rootAlive(): boolean;
  /** Told about each signal stage (the raw log records them). */
  onSignal?(sig: NodeJS.Signals, descendants: readonly number[]): void;
}

export interface StopOptions {
  /** The transport's graceful stop (exec: SIGINT; app-server: interrupt then stdin EOF; ...). */
  readonly graceful?: () => void;
  /** How long each stage waits before the next, harder one. */
  readonly graceMs: number;
  /** A graceful stop that throws is logged, and the kill goes on. */
  readonly onGracefulError?: (e: unknown) => void;
}

const POLL_MS = 25;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` until it holds or `ms` have passed; returns whether it held. */
export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() >= end) {
      return false;
    }
    await sleep(POLL_MS);
  }
  return true;
}

/**
 * Stops the root in stages: the graceful stop (with the root frozen while we look at its tree and ask,
 * so that a child it forks in between is not missed, nor orphaned if it then dies at once: the request
 * is pending when it runs again); after a grace, SIGTERM to the whole tree; after a second grace,
 * SIGKILL. Returns once the root is gone or has been sent SIGKILL; what the root leaves behind is
 * `reapTree`'s.
 */
export async function stopTree(t: KillTarget, opts: StopOptions): Promise<void> {
  if (!t.rootAlive()) {
    return;
  }
  signalIfSame(t.root, 'SIGSTOP');
  try {
    t.tree.sample();
    if (opts.graceful) {
      try {
        opts.graceful();
      } catch (e) {
        opts.onGracefulError?.(e);
      }
    }
  } finally {
    signalIfSame(t.root, 'SIGCONT');
  }
  if (opts.graceful) {
    await waitFor(() => !t.rootAlive(), opts.graceMs);
  }
  if (t.rootAlive()) {
    signalTree(t, 'SIGTERM');
    await waitFor(() => !t.rootAlive() && t.tree.alive().length === 0, opts.graceMs);
  }
  if (t.rootAlive()) {
    signalTree(t, 'SIGKILL');
  }
}

/**
 * After the root is gone: stops what it left running (commands in their own sessions): SIGTERM, then
 * SIGKILL after the grace until none is left. `found` hears first what is left, as "pid(comm)".
 */
export async function reapTree(t: KillTarget, graceMs: number, found?: (left: string[]) => void): Promise<void> {
  t.tree.sample();
  const left = t.tree.alive();
  if (left.length === 0) {
    return;
  }
  found?.(left.map((p) => `${p.pid}(${p.comm})`));
  signalTree(t, 'SIGTERM');
  await waitFor(() => t.tree.alive().length === 0, graceMs);
  while (t.tree.alive().length > 0) {
    signalTree(t, 'SIGKILL');
    await waitFor(() => t.tree.alive().length === 0, 1000);
  }
}

/**
 * Signals everything of the tree. Frozen first: a process that forks between our look at /proc and
 * the signal would leave an unseen child behind; stopped, nothing forks. Then a second look, the
 * signal, and everything runs on (so that a SIGTERM is delivered and handled).
 */
export function signalTree(t: KillTarget, sig: NodeJS.Signals): void {
  t.tree.sample();
  send(t, 'SIGSTOP', false);
  t.tree.sample();
  send(t, sig, true);
  send(t, 'SIGCONT', false);
}

function send(t: KillTarget, sig: NodeJS.Signals, note: boolean): void {
  const alive = t.tree.alive();
  if (note) {
    t.onSignal?.(sig, alive.map((p) => p.pid));
  }
  for (const p of alive) {
    signalIfSame(p, sig);
  }
  // Their process groups catch children forked since the last sample. A group is signalled only while
  // a process we know is still in it, so a reused group id is never hit.
  const rootAlive = t.rootAlive();
  const liveGroups = new Set(alive.map((p) => p.pgid));
  if (rootAlive) {
    liveGroups.add(t.root.pid);
  }
  for (const g of t.tree.processGroups()) {
    if (liveGroups.has(g)) {
      signalGroup(g, sig);
    }
  }
  if (rootAlive) {
    signalIfSame(t.root, sig);
  }
}
