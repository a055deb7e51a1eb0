import * as vscode from 'vscode';
import { UnknownTask } from '../core/model/errors';
import { formatUsage } from '../core/text/format';
import { schemasModule } from '../core/model/request';
import type { toolSchemas as ToolSchemas } from '../core/model/schemas';
import type { TaskManager } from '../core/engine/taskManager';
import { isFinal, type TaskState } from '../core/model/taskState';
import { requireTrust } from './commands';
import type { ErrorFunnel } from './errorFunnel';
import type { OutputChannels } from './outputChannels';
import { readSettings } from './settings';
import { firstLine } from '../core/model/truncate';

/** Tools chat agents call: the seed's run_in_background / BashOutput / KillShell, on the same engine. */
export const TOOL_NAMES = ['codexTasks_start', 'codexTasks_status', 'codexTasks_output', 'codexTasks_kill', 'codexTasks_list'] as const;

/** The most output one call returns; the rest stays for the next call (the cursor says where). */
const OUTPUT_LIMIT = 16_000;

type ToolName = keyof ReturnType<typeof ToolSchemas>;


function text(...parts: string[]): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult(parts.map((p) => new vscode.LanguageModelTextPart(p)));
}

export function describeTask(t: TaskState): string {
  const tokens = t.tokens.total ? formatUsage(t.tokens.total, t.tokens.contextWindow) : 'no tokens yet';
  return JSON.stringify(
    {
      id: t.id,
      state: t.status,
      activity: t.activity ?? null,
      prompt: firstLine(t.request.prompt, 120),
      cwd: t.request.cwd,
      transport: t.transport,
      tokens,
      turns: t.turns.length,
      counts: t.counts,
      lastMessage: t.lastMessage ?? null,
      error: t.error?.message ?? null,
      exit: t.exit ? (t.exit.signal ? { signal: t.exit.signal } : { code: t.exit.code }) : null,
      endReason: t.endReason ?? null,
    },
    null,
    1,
  );
}

/** Registers the tools (when enabled); re-registers when the setting changes. */
export class LanguageModelTools implements vscode.Disposable {
  private registrations: vscode.Disposable[] = [];
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly manager: TaskManager,
    private readonly outputs: OutputChannels,
    private readonly errors: ErrorFunnel,
  ) {
    this.sync();
    this.sub = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('codexTasks.enableLanguageModelTools')) {
        this.sync();
      }
    });
  }

  private sync(): void {
    const enabled = vscode.workspace.getConfiguration('codexTasks').get<boolean>('enableLanguageModelTools', true);
    if (!enabled || !vscode.lm?.registerTool) {
      this.registrations.forEach((r) => r.dispose());
      this.registrations = [];
      return;
    }
    if (this.registrations.length === 0) {
      this.registrations = TOOL_NAMES.map((name) => vscode.lm.registerTool(name, this.tool(name)));
    }
  }

  private tool(name: ToolName): vscode.LanguageModelTool<Record<string, unknown>> {
    return {
      prepareInvocation: (options) => this.prepare(name, options.input),
      invoke: async (options, token) => {
        const parsed = schemasModule().toolSchemas()[name].safeParse(options.input ?? {});
        if (!parsed.success) {
          // A bad input is answered, never thrown: the agent can correct the field.
          return text(`Invalid input for ${name}: ${schemasModule().zodIssues(parsed.error).map((i) => `${i.field || '(input)'}: ${i.message}`).join('; ')}`);
        }
        try {
          return await this.run(name, parsed.data as Record<string, unknown>, token);
        } catch (e) {
          return text(this.errors.toolFailure(name, e));
        }
      },
    };
  }

  private prepare(name: ToolName, input: Record<string, unknown> | undefined): vscode.PreparedToolInvocation {
    const i = input ?? {};
    switch (name) {
      case 'codexTasks_start': {
        const s = readSettings();
        const sandbox = (i.sandbox as string | undefined) ?? s.defaultSandbox;
        const policy = (i.approvalPolicy as string | undefined) ?? s.defaultApprovalPolicy;
        const risky = sandbox === 'danger-full-access' || policy === 'never';
        return {
          invocationMessage: `Starting a Codex task: ${firstLine(String(i.prompt ?? ''), 60)}`,
          confirmationMessages: risky
            ? {
                title: 'Start a Codex task with reduced safety?',
                message: new vscode.MarkdownString(
                  `Codex will run **${firstLine(String(i.prompt ?? ''), 80)}** with sandbox \`${sandbox}\` and approval policy \`${policy}\`: ${sandbox === 'danger-full-access' ? 'commands can change anything your user can' : 'commands run in the sandbox'}${policy === 'never' ? ', and Codex never asks before acting' : ''}.`,
                ),
              }
            : undefined,
        };
      }
      case 'codexTasks_kill':
        return {
          invocationMessage: `Killing Codex task ${String(i.id ?? '')}`,
          confirmationMessages: { title: 'Kill a Codex task?', message: new vscode.MarkdownString(`Stops Codex task \`${String(i.id ?? '')}\` and every process it started.`) },
        };
      case 'codexTasks_status':
        return { invocationMessage: `Checking Codex task ${String(i.id ?? '')}` };
      case 'codexTasks_output':
        return { invocationMessage: `Reading the output of Codex task ${String(i.id ?? '')}` };
      case 'codexTasks_list':
        return { invocationMessage: 'Listing Codex tasks' };
    }
  }

  private async run(name: ToolName, input: Record<string, unknown>, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    const get = (id: string) => {
      const t = this.manager.get(id);
      if (!t) {
        throw new UnknownTask(id, 'codexTasks_list shows the tasks');
      }
      return t;
    };
    switch (name) {
      case 'codexTasks_start': {
        requireTrust();
        const s = readSettings();
        const cwd = (input.cwd as string | undefined) ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
        if (!cwd) {
          return text('Invalid input for codexTasks_start: cwd: required when no workspace folder is open');
        }
        const t = await this.manager.start({
          prompt: input.prompt,
          cwd,
          approvalPolicy: (input.approvalPolicy as string | undefined) ?? s.defaultApprovalPolicy,
          sandbox: (input.sandbox as string | undefined) ?? s.defaultSandbox,
        });
        return text(`Started Codex task ${t.id} (state: ${t.status}). Read its output with codexTasks_output {"id":"${t.id}"}; stop it with codexTasks_kill.`, describeTask(t));
      }
      case 'codexTasks_status':
        return text(describeTask(get(input.id as string)));
      case 'codexTasks_output': {
        const t = get(input.id as string);
        const r = this.outputs.since(t.id, (input.since as number | undefined) ?? 0);
        let body = r.text;
        if (input.filter) {
          const re = new RegExp(input.filter as string);
          body = body.split('\n').filter((l) => re.test(l)).join('\n');
        }
        let next = r.next;
        let note = '';
        if (body.length > OUTPUT_LIMIT) {
          // Without a filter, stop at the limit and let the cursor resume from there.
          if (!input.filter) {
            body = body.slice(0, OUTPUT_LIMIT);
            next = r.start + OUTPUT_LIMIT;
            note = `\n[truncated at ${OUTPUT_LIMIT} characters: call again with since=${next} for the rest]`;
          } else {
            body = body.slice(-OUTPUT_LIMIT);
            note = `\n[truncated: only the last ${OUTPUT_LIMIT} characters of the matching lines are shown]`;
          }
        }
        const missed = r.missed > 0 ? `[${r.missed} earlier characters are no longer in memory; the raw log ${t.rawLogPath ?? ''} has everything]\n` : '';
        return text(`${missed}${body}${note}`, JSON.stringify({ id: t.id, state: t.status, next }));
      }
      case 'codexTasks_kill': {
        const t = get(input.id as string);
        if (isFinal(t.status)) {
          return text(`Task ${t.id} had already ended (${t.status}).`, describeTask(t));
        }
        const final = await this.manager.kill(t.id, 'killed by a chat agent');
        return text(`Task ${final.id} is ${final.status}; no process of it is left.`, describeTask(final));
      }
      case 'codexTasks_list': {
        const tasks = this.manager.list().sort((a, b) => b.createdAt - a.createdAt);
        if (token.isCancellationRequested || tasks.length === 0) {
          return text('No Codex tasks.');
        }
        return text(tasks.map((t) => `${t.id} ${t.status.padEnd(13)} ${t.tokens.total ? `${t.tokens.total.total} tok ` : ''}${firstLine(t.request.prompt, 80)}`).join('\n'));
      }
    }
  }

  dispose(): void {
    this.sub.dispose();
    this.registrations.forEach((r) => r.dispose());
  }
}
