import type { Logger } from './logger';

export interface Disposable {
  dispose(): void;
}

/** A minimal typed event emitter with VS Code's `event(listener) → Disposable` shape, without vscode. */
export class Emitter<T> {
  private listeners = new Set<(value: T) => void>();

  /** `logger` hears of a listener that throws: it must not stop the others or the engine, nor go unseen. */
  constructor(private readonly logger: Pick<Logger, 'error'>) {}

  readonly event = (listener: (value: T) => void): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (e) {
        this.logger.error(`a listener failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
