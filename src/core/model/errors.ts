/**
 * Typed errors. The UI switches on `code`, never on message text, and never on `instanceof`: the
 * engine's second bundle (dist/engine.js) has copies of these classes.
 */
const CODES = ['CodexNotFound', 'UnsupportedVersion', 'BadRequest', 'ProtocolError', 'ProcessExited', 'Cancelled', 'RawLogUnavailable', 'UnknownTask', 'InvalidState', 'RestrictedMode', 'SpawnFailed'] as const;
export type ErrorCode = (typeof CODES)[number];
const KNOWN: ReadonlySet<string> = new Set(CODES);

export abstract class CodexTasksError extends Error {
  abstract readonly code: ErrorCode;
}

export class CodexNotFound extends CodexTasksError {
  readonly code = 'CodexNotFound' as const;
  constructor(
    /** What was looked for: a configured path, or the bare name `codex`. */
    readonly wanted: string,
    /** The directories searched (PATH split), so the log can say where we looked. */
    readonly searched: readonly string[],
    detail?: string,
  ) {
    super(
      detail ??
        (wanted === 'codex'
          ? `Codex CLI not found on PATH (searched ${searched.length} directories). Install it with \`npm i -g @openai/codex\` or set codexTasks.codexPath.`
          : `Codex CLI not found at ${wanted}. Check the codexTasks.codexPath setting.`),
    );
  }
}

export class UnsupportedVersion extends CodexTasksError {
  readonly code = 'UnsupportedVersion' as const;
  constructor(
    readonly version: string,
    readonly reason: string,
  ) {
    super(`Codex ${version} is not supported: ${reason}`);
  }
}

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `params.arguments.cwd`. */
  readonly field: string;
  readonly message: string;
}

export class BadRequest extends CodexTasksError {
  readonly code = 'BadRequest' as const;
  constructor(
    readonly issues: readonly FieldIssue[],
    readonly source?: string,
  ) {
    super(
      (source ? `${source}: ` : '') +
        issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join('; '),
    );
  }
}

export class ProtocolError extends CodexTasksError {
  readonly code = 'ProtocolError' as const;
}

export class ProcessExited extends CodexTasksError {
  readonly code = 'ProcessExited' as const;
  constructor(
    readonly exitCode: number | null,
    readonly signal: string | null,
    readonly stderrTail: string,
  ) {
    super(`codex exited ${signal ? `by signal ${signal}` : `with code ${exitCode}`}${stderrTail ? `: ${stderrTail.split('\n').slice(-1)[0]}` : ''}`);
  }
}

export class Cancelled extends CodexTasksError {
  readonly code = 'Cancelled' as const;
  constructor(message = 'Cancelled') {
    super(message);
  }
}

export class RawLogUnavailable extends CodexTasksError {
  readonly code = 'RawLogUnavailable' as const;
  constructor(
    readonly dir: string,
    cause: string,
  ) {
    super(`Cannot write the raw log in ${dir}: ${cause}. The task was not started, so nothing would be lost.`);
  }
}

export class UnknownTask extends CodexTasksError {
  readonly code = 'UnknownTask' as const;
  constructor(
    readonly id: string,
    /** What the caller can do about it (a chat agent: list the tasks). */
    hint?: string,
  ) {
    super(`no task with id ${id}${hint ? `; ${hint}` : ''}`);
  }
}

export class InvalidState extends CodexTasksError {
  readonly code = 'InvalidState' as const;
}

/** Workspace trust is off: Codex runs commands in the folder, so nothing starts. */
export class RestrictedMode extends CodexTasksError {
  readonly code = 'RestrictedMode' as const;
  constructor() {
    super('Codex Tasks cannot start tasks in Restricted Mode: Codex runs commands in this folder. Trust the workspace to use it.');
  }
}

/** The codex executable could not be started at all (ENOENT, EACCES): no process exists. */
export class SpawnFailed extends CodexTasksError {
  readonly code = 'SpawnFailed' as const;
  constructor(readonly executable: string) {
    super(`could not start ${executable}`);
  }
}

/** The code of one of our errors (from either bundle), or undefined for anything else. */
export function errorCode(e: unknown): ErrorCode | undefined {
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && KNOWN.has(code) ? (code as ErrorCode) : undefined;
}

export function isCodexTasksError(e: unknown): e is CodexTasksError {
  return errorCode(e) !== undefined;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
