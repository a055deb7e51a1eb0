import * as vscode from 'vscode';
import { errorCode, errorMessage, type ErrorCode } from '../core/model/errors';

/**
 * The one place a failure becomes something the user sees: commands, language model tools,
 * notification actions and listeners all end here. Each failure is logged once and shown once.
 *
 * A command whose input is refused before anything happens (`REFUSALS`: a bad request, Restricted
 * Mode) rejects with the typed error: that is the caller's answer, and when the caller is the UI,
 * VS Code shows it (one message). Any other failure is shown here, with the action that helps, and
 * the command resolves `undefined`: rethrowing it too would make the palette show it a second time.
 * Programs that want those typed errors call the API or the engine. Cancellation is never a failure.
 */
const REFUSALS: ReadonlySet<ErrorCode> = new Set(['BadRequest', 'RestrictedMode']);

const SET_CODEX_PATH = 'Set Codex Path';
const SHOW_LOG = 'Show Log';

export class ErrorFunnel {
  constructor(
    private readonly log: vscode.LogOutputChannel,
    /** The command behind "Set Codex Path". */
    private readonly setCodexPathCommand: string,
  ) {}

  /** Logs a failure and shows it, with "Set Codex Path" when codex is missing or too old, and "Show Log". */
  report(where: string, e: unknown): void {
    const code = errorCode(e);
    if (code === 'Cancelled') {
      return;
    }
    this.log.error(`${where}: ${errorMessage(e)}`);
    const actions = code === 'CodexNotFound' || code === 'UnsupportedVersion' ? [SET_CODEX_PATH, SHOW_LOG] : [SHOW_LOG];
    void vscode.window.showErrorMessage(`Codex Tasks: ${errorMessage(e)}`, ...actions).then((a) => {
      if (a === SHOW_LOG) {
        this.log.show();
      } else if (a === SET_CODEX_PATH) {
        void vscode.commands.executeCommand(this.setCodexPathCommand);
      }
    });
  }

  /** Registers a command whose failures end here (see above for what rejects and what is shown). */
  command(id: string, fn: (...args: unknown[]) => unknown): vscode.Disposable {
    return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (e) {
        const code = errorCode(e);
        if (code === 'Cancelled') {
          return undefined;
        }
        if (code !== undefined && REFUSALS.has(code)) {
          this.log.warn(`${id}: ${errorMessage(e)}`);
          throw e;
        }
        this.report(id, e);
        return undefined;
      }
    });
  }

  /** A language model tool's failure: logged, and answered as text the agent reads (never thrown). */
  toolFailure(tool: string, e: unknown): string {
    this.log.warn(`${tool}: ${errorMessage(e)}`);
    return `${tool} failed: ${errorMessage(e)}`;
  }

  /** Work started from a notification or a listener, which nobody awaits: its failure is reported. */
  watch(where: string, work: Promise<unknown>): void {
    work.catch((e: unknown) => this.report(where, e));
  }
}
