/**
 * Every zod schema of the extension: user input (task requests, request files, language model tool
 * input), where zod's error messages are what a person reads. This module is required only when input
 * is first checked: zod's own start-up costs milliseconds, and activation does not wait for it.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import type { FieldIssue } from './errors';
import { APPROVAL_POLICIES, SANDBOX_MODES } from './policies';
import { truncate } from './truncate';

// zod/mini ships no messages: English ones for every issue we do not word ourselves.
z.config(en());

/** A zod error function that says "required" for a missing value and what is expected otherwise. */
function expected(what: string) {
  return (iss: { input?: unknown }) => (iss.input === undefined ? `required: ${what}` : `${what}, got ${describe(iss.input)}`);
}
function describe(v: unknown): string {
  if (v === null) {
    return 'null';
  }
  if (typeof v === 'string') {
    return JSON.stringify(truncate(v, 40));
  }
  return Array.isArray(v) ? 'an array' : typeof v;
}

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

/** The request schemas. */
function buildSchemas() {
  const ApprovalPolicySchema = z.enum(APPROVAL_POLICIES, { error: expected(`one of ${APPROVAL_POLICIES.join(' | ')}`) });
  const SandboxSchema = z.enum(SANDBOX_MODES, { error: expected(`one of ${SANDBOX_MODES.join(' | ')}`) });

  /** A `-c key=value` override: the key is a dotted config path, never something that could read as a flag. */
  const ConfigKey = z.string().check(z.regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'config keys are dotted names such as model_reasoning_effort'));
  const ConfigValue = z.union([z.string(), z.number(), z.boolean()]);

  const PromptSchema = z.string({ error: expected('a non-empty string') }).check(z.refine((s) => s.trim().length > 0, 'must not be empty'));

  const CwdSchema = z.string({ error: expected('an absolute directory path') }).check(
    z.refine((p) => path.isAbsolute(p), { error: (iss) => `must be an absolute path, got ${describe(iss.input)}`, abort: true }),
    z.refine((p) => isDirectory(p), { error: (iss) => `directory does not exist: ${String(iss.input)}` }),
  );

  const TaskRequestSchema = z.strictObject({
    prompt: PromptSchema,
    cwd: CwdSchema,
    approvalPolicy: ApprovalPolicySchema,
    sandbox: SandboxSchema,
    model: z.optional(z.string().check(z.minLength(1, 'must not be empty'))),
    config: z.optional(z.record(ConfigKey, ConfigValue)),
  });

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
  return { ApprovalPolicySchema, SandboxSchema, PromptSchema, CwdSchema, TaskRequestSchema, SeedFile };
}

export type RequestSchemas = ReturnType<typeof buildSchemas>;
export type TaskRequestShape = z.infer<RequestSchemas['TaskRequestSchema']>;
let built: ReturnType<typeof buildSchemas> | undefined;
export function requestSchemas(): ReturnType<typeof buildSchemas> {
  built ??= buildSchemas();
  return built;
}

/** The language model tools' input schemas. */
function buildToolSchemas() {
  const { ApprovalPolicySchema, CwdSchema, PromptSchema, SandboxSchema } = requestSchemas();
  const Id = z.string({ error: (i) => (i.input === undefined ? 'required: a task id such as "336ae0"' : 'expected a task id string') }).check(z.regex(/^[0-9a-f]{6}$/, 'expected a 6-digit hex task id such as "336ae0"'));
  const schemas = {
    codexTasks_start: z.strictObject({ prompt: PromptSchema, cwd: z.optional(CwdSchema), approvalPolicy: z.optional(ApprovalPolicySchema), sandbox: z.optional(SandboxSchema) }),
    codexTasks_status: z.strictObject({ id: Id }),
    codexTasks_output: z.strictObject({
      id: Id,
      since: z.optional(z.int().check(z.minimum(0, 'must be a cursor returned by an earlier call (0 or more)'))),
      filter: z.optional(z.string().check(z.refine((f) => {
        try {
          new RegExp(f);
          return true;
        } catch {
          return false;
        }
      }, 'must be a valid regular expression'))),
    }),
    codexTasks_kill: z.strictObject({ id: Id }),
    codexTasks_list: z.strictObject({}),
  };
  return schemas;
}
let builtTools: ReturnType<typeof buildToolSchemas> | undefined;
export const toolSchemas = (): ReturnType<typeof buildToolSchemas> => (builtTools ??= buildToolSchemas());

