import type { TaskRequest } from '../core/model/request';

/**
 * The offline demo's tasks (`npm start`): what a user reads (the prompt is the task's label) and the
 * script the demo model runs for it. The demo model (test/mock/mockResponsesServer.ts) recognises these
 * prompts, so typing one into New Task does the same as picking it. No `vscode` here: the mock
 * imports this list too.
 */
export interface DemoScenario {
  readonly label: string;
  readonly detail: string;
  readonly prompt: string;
  /** The demo model's script for this prompt. */
  readonly script: 'demo-files' | 'demo-test' | 'demo-approval' | 'demo-suite';
  readonly approvalPolicy: TaskRequest['approvalPolicy'];
  readonly sandbox: TaskRequest['sandbox'];
}

export const DEMO_SCENARIOS: readonly DemoScenario[] = [
  { label: '$(terminal) List the files and count them', detail: 'Runs a shell command; its output streams into the task\'s output channel', prompt: 'List the files and count them', script: 'demo-files', approvalPolicy: 'on-request', sandbox: 'workspace-write' },
  { label: '$(diff) Write a unit test for src/calc.ts', detail: 'Adds a file to the workspace; then Show Diff on the task', prompt: 'Write a unit test for src/calc.ts', script: 'demo-test', approvalPolicy: 'on-request', sandbox: 'workspace-write' },
  { label: '$(bell-dot) Save the system info to system-info.txt', detail: 'Wants to run a command outside the sandbox: approve or deny it', prompt: 'Save the system info to system-info.txt', script: 'demo-approval', approvalPolicy: 'on-request', sandbox: 'workspace-write' },
  { label: '$(watch) Run the slow test suite', detail: 'A command that runs for a minute: kill it from the tree and watch nothing survive', prompt: 'Run the slow test suite', script: 'demo-suite', approvalPolicy: 'on-request', sandbox: 'workspace-write' },
];

const normal = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/** The demo scenario whose prompt this is (spacing and case aside), if any. */
export function demoScenarioOf(prompt: string): DemoScenario | undefined {
  const p = normal(prompt);
  return DEMO_SCENARIOS.find((s) => normal(s.prompt) === p);
}
