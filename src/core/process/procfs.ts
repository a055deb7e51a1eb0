import { readdirSync, readFileSync } from 'node:fs';

/** One process as /proc/PID/stat describes it. */
export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** Start time in clock ticks since boot (field 22): with the pid, the identity of a process. */
  readonly startTime: number;
  readonly state: string;
  readonly comm: string;
}

/** A process identity that survives PID reuse: a reused pid has another start time. */
export interface ProcIdentity {
  readonly pid: number;
  readonly startTime: number;
}

export function parseStat(text: string): ProcInfo | undefined {
  // comm is in parentheses and may itself contain spaces and parentheses: split at the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) {
    return undefined;
  }
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const num = (field: number) => Number(rest[field - 3]);
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: num(4),
    pgid: num(5),
    sid: num(6),
    startTime: num(22),
  };
}

export function readProc(pid: number): ProcInfo | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** True when `id` still names a live (non-zombie) process: same pid and same start time. */
export function isAlive(id: ProcIdentity): boolean {
  const p = readProc(id.pid);
  return p !== undefined && p.startTime === id.startTime && p.state !== 'Z';
}

/** Every process on the machine (a snapshot; processes may come and go while it is read). */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) {
      continue;
    }
    const p = readProc(Number(name));
    if (p) {
      out.push(p);
    }
  }
  return out;
}

/** All descendants of `root` in one snapshot, by parent links (children before grandchildren). */
export function descendantsOf(rootPid: number, snapshot: readonly ProcInfo[] = listProcesses()): ProcInfo[] {
  const children = new Map<number, ProcInfo[]>();
  for (const p of snapshot) {
    const list = children.get(p.ppid);
    if (list) {
      list.push(p);
    } else {
      children.set(p.ppid, [p]);
    }
  }
  const out: ProcInfo[] = [];
  const queue = [rootPid];
  const seen = new Set<number>([rootPid]);
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const c of children.get(pid) ?? []) {
      if (!seen.has(c.pid)) {
        seen.add(c.pid);
        out.push(c);
        queue.push(c.pid);
      }
    }
  }
  return out;
}

/** Sends a signal to `id` only if it is still that very process. Returns whether it was sent. */
export function signalIfSame(id: ProcIdentity, signal: NodeJS.Signals): boolean {
  if (!isAlive(id)) {
    return false;
  }
  try {
    process.kill(id.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Signals a whole process group; never our own group, never group 0 or 1. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (pgid <= 1 || pgid === ownPgid()) {
    return false;
  }
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

let cachedOwnSid: number | undefined;
/** Our own session: never one to signal or to treat as a task's. */
export function ownSid(): number {
  cachedOwnSid ??= readProc(process.pid)?.sid ?? -1;
  return cachedOwnSid;
}

let cachedOwnPgid: number | undefined;
export function ownPgid(): number {
  cachedOwnPgid ??= readProc(process.pid)?.pgid ?? -1;
  return cachedOwnPgid;
}
