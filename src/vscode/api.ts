import type * as vscode from 'vscode';
import type { PidRegistry, ReapResult } from '../core/process/pidRegistry';
import type { TaskChange } from '../core/engine/taskManager';
import type { TaskState } from '../core/model/taskState';
import type { ChannelMeter } from './channelMeter';
import type { OutputChannels } from './outputChannels';
import type { TokenStatusBar } from './statusBar';
import type { TaskNode, TaskTreeProvider } from './taskTree';

/** The API `activate` returns to other extensions. */
export interface CodexTasksApi {
  /** Every task this window knows, newest last. */
  readonly tasks: readonly TaskState[];
  /** Fires on every change of a task (state after the change, and the event that caused it). */
  readonly onDidChangeTask: vscode.Event<TaskChange>;
  /** Validates and starts a task (same checks as the commands, including workspace trust). */
  start(request: unknown): Promise<TaskState>;
  /** Kills a task; resolves with its final state once nothing of it is left. */
  kill(id: string): Promise<TaskState>;
  /** The rendered output of a task, as its output channel shows it. */
  getOutput(id: string): string;
  /** Only in extension test mode. */
  readonly testHooks?: CodexTasksTestHooks;
}

/** Handles on the UI for the integration tests; present only when the extension runs under test. */
export interface CodexTasksTestHooks {
  readonly tree: TaskTreeProvider;
  readonly view: vscode.TreeView<TaskNode>;
  readonly statusBar: TokenStatusBar;
  readonly outputs: OutputChannels;
  /** What was appended to the tasks' output channels. */
  readonly channels: ChannelMeter;
  /** The value of the `codexTasks.codexState` context key (ok | notFound | unsupported | error). */
  codexState(): string;
  recheckCodex(): Promise<void>;
  readonly log: vscode.LogOutputChannel;
  /** What the activation reaped of an earlier window's leftovers. */
  readonly reaped: Promise<ReapResult>;
  readonly registry: PidRegistry;
  /** The extension's global storage folder (raw logs, pid registry). */
  readonly storage: string;
}
