/** The values a task request chooses from (shared by the request, its schemas and the UI). */
export const APPROVAL_POLICIES = ['untrusted', 'on-request', 'never'] as const;
export const SANDBOX_MODES = ['read-only', 'workspace-write', 'danger-full-access'] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];
export type SandboxMode = (typeof SANDBOX_MODES)[number];
export type TransportKind = 'app-server' | 'exec' | 'mcp-server';
