import type { Disposable } from './emitter';

/**
 * Runs `fn` once, `delayMs` after the first of any number of requests: a burst of changes becomes one
 * refresh (the tree, the status bar, the history, the output channels, the process sampler).
 */
export class Coalescer implements Disposable {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fn: () => void,
    private readonly delayMs: number,
    /** Let the process exit with a run still pending (core timers never keep a process alive). */
    private readonly unref = false,
  ) {}

  schedule(): void {
    if (this.timer) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fn();
    }, this.delayMs);
    if (this.unref) {
      this.timer.unref();
    }
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
