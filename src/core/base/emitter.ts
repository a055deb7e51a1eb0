export interface Disposable {
  dispose(): void;
}

/** A minimal typed event emitter with VS Code's `event(listener) → Disposable` shape, without vscode. */
export class Emitter<T> {
  private listeners = new Set<(value: T) => void>();

  readonly event = (listener: (value: T) => void): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch {
        // A failing listener must not stop the others or the engine.
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
