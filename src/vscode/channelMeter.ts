import type * as vscode from 'vscode';

/**
 * Counts what is appended to the tasks' output channels (the benchmark's figures 2b and 3). Only the
 * test hooks make one: the extension itself keeps no such counters.
 */
export class ChannelMeter {
  /** Appends issued, over every channel. */
  appends = 0;
  private readonly chars = new Map<string, number>();

  /** Characters appended to the channel of that name. */
  appended(name: string): number {
    return this.chars.get(name) ?? 0;
  }

  /** The channel, counting each append. */
  wrap(c: vscode.OutputChannel): vscode.OutputChannel {
    const count = (v: string) => {
      this.appends += 1;
      this.chars.set(c.name, this.appended(c.name) + v.length);
    };
    return {
      get name() {
        return c.name;
      },
      append: (v) => {
        count(v);
        c.append(v);
      },
      appendLine: (v) => {
        count(`${v}\n`);
        c.appendLine(v);
      },
      replace: (v) => c.replace(v),
      clear: () => c.clear(),
      show: (a?: boolean | vscode.ViewColumn, b?: boolean) => (typeof a === 'boolean' || a === undefined ? c.show(a) : c.show(a, b)),
      hide: () => c.hide(),
      dispose: () => c.dispose(),
    };
  }
}
