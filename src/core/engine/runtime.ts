/**
 * The engine's heavy half: process control, the transports and the raw log, with the request
 * schemas (zod). Activation does not need any of it (the history, the tree and the commands are
 * shown without), so it is loaded on the first task, follow-up or input check: `load.ts` requires it,
 * and the extension ships it as a second bundle (dist/engine.js, see esbuild.mjs). Only types of it
 * are imported elsewhere; the UI switches on error codes, never on `instanceof`, since a class bundled
 * in both files is two classes.
 */
import type { Logger } from '../base/logger';
import { RawLog } from '../io/rawLog';
import type { ApprovalDecision, EventBody } from '../model/events';
import { truncate } from '../model/truncate';
import type { ApprovalPolicy, TaskRequest, TransportKind } from '../model/request';
import type { CodexInstallation } from '../process/codexLocator';
import { CodexProcess, type ExitInfo } from '../process/codexProcess';
import type { PidRegistry } from '../process/pidRegistry';
import type { TreeSampler } from '../process/processTree';
import { AppServerTransport } from '../transports/appServerTransport';
import { ExecTransport } from '../transports/execTransport';
import { McpServerTransport } from '../transports/mcpServerTransport';
import type { Transport, TransportContext, TransportSession, TurnInput } from '../transports/transport';
import { errorMessage } from '../model/errors';

export { PidRegistry } from '../process/pidRegistry';
export { TreeSampler } from '../process/processTree';
export { requestSchemas, toolSchemas, zodIssues } from '../model/schemas';

/** What a task needs to run turns: its transport, its codex and its raw log. */
export interface TaskWire {
  readonly transport: Transport;
  readonly install: CodexInstallation;
  readonly log: RawLog;
}

export interface WireOptions {
  readonly id: string;
  readonly request: TaskRequest;
  readonly kind: TransportKind;
  readonly install: CodexInstallation;
  readonly effectivePolicy: ApprovalPolicy;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly logPath: string;
  /** A raw log write failed (disk full, removed). */
  readonly onLogError: (e: Error) => void;
  /** A new task: its raw log starts with what it is (a follow-up of a restored task appends). */
  readonly fresh: boolean;
}

function createTransport(kind: TransportKind, ctx: TransportContext): Transport {
  switch (kind) {
    case 'exec':
      return new ExecTransport(ctx);
    case 'app-server':
      return new AppServerTransport(ctx);
    case 'mcp-server':
      return new McpServerTransport(ctx);
  }
}

/** Opens a task's raw log (throws `RawLogUnavailable` before anything starts) and makes its transport. */
export function openWire(o: WireOptions): TaskWire {
  const ctx: TransportContext = { request: o.request, install: o.install, effectivePolicy: o.effectivePolicy, env: { ...o.env, ...o.install.env }, logger: o.logger };
  const log = new RawLog(o.logPath, o.onLogError);
  if (o.fresh) {
    log.meta({ event: 'task', id: o.id, transport: o.kind, codexVersion: o.install.version, executable: o.install.executable, request: { ...o.request, prompt: truncate(o.request.prompt, 2000) } });
  }
  return { transport: createTransport(o.kind, ctx), install: o.install, log };
}

/** What a turn reports to its task. */
export interface TurnHooks {
  emit(e: EventBody): void;
  /** codex printed something (a line on stdout or stderr): it is not stuck. */
  heard(): void;
}

export interface TurnOptions {
  readonly taskId: string;
  readonly logger: Logger;
  readonly graceMs: number;
  readonly sampler: TreeSampler;
  readonly registry: PidRegistry;
  readonly redact: (s: string) => string;
}

/** One turn's codex process and the transport's session on it. */
export interface Turn {
  readonly pid: number;
  readonly running: boolean;
  /** Resolves once codex has exited, its output is read and nothing of its tree is left. */
  readonly ended: Promise<ExitInfo>;
  /** Binds the transport's session to the process and sends the request. */
  open(input: TurnInput): void;
  stderr(): string;
  /** Kills the turn's tree, the transport's graceful stop first. */
  kill(graceMs: number): Promise<ExitInfo>;
  /** Ends an idle session's codex (stdin EOF first). */
  close(graceMs: number): Promise<ExitInfo>;
  /** Interrupts the running turn; false when the transport cannot, or no turn runs. */
  interrupt(): boolean;
  readonly answersApprovals: boolean;
  answerApproval(requestId: string, decision: ApprovalDecision): void;
  /** Whether the next turn can run on this same process (mcp-server, whose session lives in it). */
  readonly continuesInProcess: boolean;
  continueInProcess(input: TurnInput): void;
}

/** Starts codex for one turn (throws `SpawnFailed` when it cannot be started) and records it. */
export function startTurn(wire: TaskWire, input: TurnInput, hooks: TurnHooks, o: TurnOptions): Turn {
  let session: TransportSession | undefined;
  const emit = (e: EventBody) => {
    if (e.type === 'commandBegin' || e.type === 'toolCallBegin') {
      // Its processes should be seen while they are still codex's descendants.
      o.sampler.kick();
    }
    hooks.emit(e);
  };
  const spec = wire.transport.spec(input);
  const proc = CodexProcess.start(
    spec,
    wire.log,
    {
      onStdout: (p) => {
        hooks.heard();
        if (p.oversize) {
          emit({ type: 'unknown', raw: `${p.bytes.subarray(0, 200).toString('utf8')}…`, reason: `line over the size limit (${p.bytes.length} bytes in this piece); kept whole in the raw log` });
          return;
        }
        try {
          session?.onLine(p.bytes.toString('utf8'));
        } catch (e) {
          emit({ type: 'unknown', raw: p.bytes.subarray(0, 2000).toString('utf8'), reason: `parser error: ${errorMessage(e)}` });
        }
      },
      onStderr: (line) => {
        hooks.heard();
        emit({ type: 'stderr', line });
      },
    },
    { logger: o.logger, graceMs: o.graceMs, sampler: o.sampler, redact: o.redact },
  );
  const { pid, startTime } = proc.identity;
  o.registry.add({ pid, startTime, taskId: o.taskId, executable: spec.executable, startedAt: Date.now() });
  const ended = proc.ended.finally(() => o.registry.remove(pid, startTime));
  return {
    pid,
    get running() {
      return proc.running;
    },
    ended,
    open: (i) => {
      try {
        session = wire.transport.open(proc, i, emit);
      } catch (e) {
        emit({ type: 'error', message: `could not send the request: ${errorMessage(e)}`, willRetry: false });
        void proc.kill();
      }
    },
    stderr: () => proc.stderr(),
    kill: (graceMs) => proc.kill({ graceful: () => session?.gracefulStop(), graceMs }),
    close: (graceMs) => proc.kill({ graceful: () => proc.endStdin(), graceMs }),
    interrupt: () => session?.interrupt?.() ?? false,
    get answersApprovals() {
      return session?.answerApproval !== undefined;
    },
    answerApproval: (requestId, decision) => session?.answerApproval?.(requestId, decision),
    get continuesInProcess() {
      return session?.continueInProcess !== undefined;
    },
    continueInProcess: (i) => session?.continueInProcess?.(i),
  };
}
