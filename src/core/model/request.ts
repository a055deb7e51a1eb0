import { BadRequest } from './errors';
import type * as Schemas from './schemas';
import type { RequestSchemas, TaskRequestShape } from './schemas';
import type { ApprovalPolicy, SandboxMode, TransportKind } from './policies';

export { APPROVAL_POLICIES, SANDBOX_MODES, type ApprovalPolicy, type SandboxMode, type TransportKind } from './policies';

export type TaskRequest = TaskRequestShape;

/**
 * The module that holds every zod schema, loaded on first use: zod is not needed to activate, and its
 * start-up would cost activation milliseconds (see schemas.ts).
 */
export function schemasModule(): typeof Schemas {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose, see above
  return require('./schemas') as typeof Schemas;
}

export const requestSchemas = (): RequestSchemas => schemasModule().requestSchemas();
const zodIssues: typeof Schemas.zodIssues = (error, prefix) => schemasModule().zodIssues(error, prefix);

/** Validates a request, throwing `BadRequest` with one issue per offending field. */
export function parseTaskRequest(input: unknown): TaskRequest {
  const r = requestSchemas().TaskRequestSchema.safeParse(input);
  if (!r.success) {
    throw new BadRequest(zodIssues(r.error));
  }
  return r.data;
}

export interface Compatibility {
  /** What will actually run, possibly adjusted (exec runs `on-request` as `never`). */
  readonly effectivePolicy: ApprovalPolicy;
  readonly warnings: readonly string[];
}

/**
 * Refuses, before anything starts, a value the chosen transport cannot honour.
 * Facts (shared/codex-protocol §3, §4): `codex exec` cannot answer approvals, runs `on-request` as
 * `never` and exits on `untrusted`; the legacy mcp-server accepts only `on-request | never`.
 */
export function checkCompatibility(req: TaskRequest, transport: TransportKind): Compatibility {
  if (transport === 'exec') {
    if (req.approvalPolicy === 'untrusted') {
      throw new BadRequest([
        { field: 'approvalPolicy', message: 'codex exec cannot ask for approvals and exits on "untrusted"; use "never" or "on-request" (runs as never), or the app-server transport' },
      ]);
    }
    if (req.approvalPolicy === 'on-request') {
      return { effectivePolicy: 'never', warnings: ['codex exec cannot ask for approvals: "on-request" runs as "never" (escalations are refused)'] };
    }
  }
  if (transport === 'mcp-server' && req.approvalPolicy === 'untrusted') {
    throw new BadRequest([
      { field: 'approvalPolicy', message: 'codex mcp-server (Codex ≤ 0.153) accepts only "on-request" or "never"' },
    ]);
  }
  return { effectivePolicy: req.approvalPolicy, warnings: [] };
}

// ---------------------------------------------------------------------------------------------
// The seed's request file: a JSON-RPC `tools/call` of tool `codex` (shared/seed), accepted as-is.

export const SEED_SHAPE =
  '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"codex","arguments":{"prompt":"…","cwd":"/abs/dir","approval-policy":"never","sandbox":"workspace-write"}}}';

export interface RequestDefaults {
  readonly cwd?: string;
  readonly approvalPolicy: ApprovalPolicy;
  readonly sandbox: SandboxMode;
}

/** Parses the text of a seed-style request file into a validated `TaskRequest`. */
export function parseRequestFile(text: string, defaults: RequestDefaults, source = 'request file'): TaskRequest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BadRequest([{ field: '', message: `not valid JSON (${(e as Error).message}); expected ${SEED_SHAPE}` }], source);
  }
  const r = requestSchemas().SeedFile.safeParse(json);
  if (!r.success) {
    const issues = zodIssues(r.error);
    throw new BadRequest([...issues, { field: '', message: `expected shape: ${SEED_SHAPE}` }], source);
  }
  const a = r.data.params.arguments;
  const cwd = a.cwd ?? defaults.cwd;
  const candidate = {
    prompt: a.prompt,
    cwd,
    approvalPolicy: a['approval-policy'] ?? defaults.approvalPolicy,
    sandbox: a.sandbox ?? defaults.sandbox,
    ...(a.model ? { model: a.model } : {}),
    ...(a.config ? { config: a.config } : {}),
  };
  const v = requestSchemas().TaskRequestSchema.safeParse(candidate);
  if (!v.success) {
    // Report in the file's own vocabulary.
    const names: Record<string, string> = { approvalPolicy: 'approval-policy' };
    throw new BadRequest(
      zodIssues(v.error).map((i) => ({ ...i, field: `params.arguments.${names[i.field] ?? i.field}` })),
      source,
    );
  }
  return v.data;
}
