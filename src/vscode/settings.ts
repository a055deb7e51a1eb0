import * as vscode from 'vscode';
import type { TransportPreference } from '../core/process/codexLocator';
import { APPROVAL_POLICIES, SANDBOX_MODES, type ApprovalPolicy, type SandboxMode } from '../core/model/request';

export const SECTION = 'codexTasks';

export interface Settings {
  readonly codexPath?: string;
  readonly transport: TransportPreference;
  readonly defaultApprovalPolicy: ApprovalPolicy;
  readonly defaultSandbox: SandboxMode;
  readonly maxConcurrentTasks: number;
  readonly killGraceMs: number;
  readonly queueWhenFull: boolean;
  readonly stallWarningSeconds: number;
  readonly logRetentionDays: number;
  readonly logRetentionCount: number;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(v as T) ? (v as T) : fallback;
}

/**
 * Reads the settings. The codex path is machine-scoped and only ever read from user or remote
 * settings: a workspace (which may be untrusted) can never choose the binary we run.
 */
export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const path = c.inspect<string>('codexPath')?.globalValue?.trim();
  return {
    codexPath: path || undefined,
    transport: oneOf(c.get('transport'), ['auto', 'app-server', 'exec', 'mcp-server'] as const, 'auto'),
    defaultApprovalPolicy: oneOf(c.get('defaultApprovalPolicy'), APPROVAL_POLICIES, 'on-request'),
    defaultSandbox: oneOf(c.get('defaultSandbox'), SANDBOX_MODES, 'workspace-write'),
    maxConcurrentTasks: Math.max(1, Math.min(32, Number(c.get('maxConcurrentTasks')) || 4)),
    killGraceMs: Math.max(100, Math.min(60_000, Number(c.get('killGraceMs')) || 3000)),
    queueWhenFull: c.get<boolean>('queueWhenFull', true) !== false,
    stallWarningSeconds: Math.max(0, Math.min(86_400, Number(c.get('stallWarningSeconds') ?? 300) || 0)),
    logRetentionDays: Math.max(0, Number(c.get('logRetentionDays') ?? 30) || 0),
    logRetentionCount: Math.max(0, Number(c.get('logRetentionCount') ?? 500) || 0),
  };
}
