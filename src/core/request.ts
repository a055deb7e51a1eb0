import { statSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { BadRequest, type FieldIssue } from './errors';

// zod/mini ships no messages: English ones for every issue we do not word ourselves.
z.config(en());

export const APPROVAL_POLICIES = ['untrusted', 'on-request', 'never'] as const;
export const SANDBOX_MODES = ['read-only', 'workspace-write', 'danger-full-access'] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];
export type SandboxMode = (typeof SANDBOX_MODES)[number];
export type TransportKind = 'app-server' | 'exec' | 'mcp-server';

/** A zod error function that says "required" for a missing value and what is expected otherwise. */
function expected(what: string) {
  return (iss: { input?: unknown }) => (iss.input === undefined ? `required: ${what}` : `${what}, got ${describe(iss.input)}`);
}
function describe(v: unknown): string {
  if (v === null) {
    return 'null';
  }
  if (typeof v === 'string') {
    return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  }
  return Array.isArray(v) ? 'an array' : typeof v;
}

export const ApprovalPolicySchema = z.enum(APPROVAL_POLICIES, { error: expected(`one of ${APPROVAL_POLICIES.join(' | ')}`) });
export const SandboxSchema = z.enum(SANDBOX_MODES, { error: expected(`one of ${SANDBOX_MODES.join(' | ')}`) });

/** A `-c key=value` override: the key is a dotted config path, never something that could read as a flag. */
const ConfigKey = z.string().check(z.regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'config keys are dotted names such as model_reasoning_effort'));
const ConfigValue = z.union([z.string(), z.number(), z.boolean()]);

export const PromptSchema = z.string({ error: expected('a non-empty string') }).check(z.refine((s) => s.trim().length > 0, 'must not be empty'));

export const CwdSchema = z.string({ error: expected('an absolute directory path') }).check(
  z.refine((p) => path.isAbsolute(p), { error: (iss) => `must be an absolute path, got ${describe(iss.input)}`, abort: true }),
  z.refine((p) => isDirectory(p), { error: (iss) => `directory does not exist: ${String(iss.input)}` }),
);

export const TaskRequestSchema = z.strictObject({
  prompt: PromptSchema,
  cwd: CwdSchema,
  approvalPolicy: ApprovalPolicySchema,
  sandbox: SandboxSchema,
  model: z.optional(z.string().check(z.minLength(1, 'must not be empty'))),
  config: z.optional(z.record(ConfigKey, ConfigValue)),
});

export type TaskRequest = z.infer<typeof TaskRequestSchema>;

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function zodIssues(error: z.core.$ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((i) => ({ field: [prefix, ...i.path.map(String)].filter(Boolean).join('.'), message: i.message }));
}

/** Validates a request, throwing `BadRequest` with one issue per offending field. */
export function parseTaskRequest(input: unknown): TaskRequest {
  const r = TaskRequestSchema.safeParse(input);
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

const SeedArguments = z.looseObject({
  prompt: PromptSchema,
  cwd: z.optional(z.string({ error: expected('an absolute directory path') })),
  'approval-policy': z.optional(ApprovalPolicySchema),
  sandbox: z.optional(SandboxSchema),
  model: z.optional(z.string()),
  config: z.optional(z.record(ConfigKey, ConfigValue)),
}, { error: expected('an object {"prompt":…,"cwd":…}') });

const SeedFile = z.object({
  jsonrpc: z.optional(z.literal('2.0', { error: expected('"2.0"') })),
  id: z.optional(z.union([z.number(), z.string()])),
  method: z.literal('tools/call', { error: expected('"tools/call"') }),
  params: z.object({
    name: z.literal('codex', { error: expected('"codex" (the tool that starts a session)') }),
    arguments: SeedArguments,
  }, { error: expected('an object {"name":"codex","arguments":{…}}') }),
});

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
  const r = SeedFile.safeParse(json);
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
  const v = TaskRequestSchema.safeParse(candidate);
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

/** The TOML literal for a `-c key=value` override. */
export function tomlValue(v: string | number | boolean): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}
