export type Unsubscribe = () => void;

/** Told when a listener throws; `emitter` is the emitter's name, for the log. */
export type ListenerErrorHandler = (error: unknown, emitter: string) => void;

export interface EmitterOptions {
  /** Names the emitter in reports of its listeners' errors, e.g. "session s-abc events". */
  name?: string;
  /** Without one, a listener's error is rethrown on a microtask (an uncaught exception) as before. */
  onListenerError?: ListenerErrorHandler;
}

const rethrowLater: ListenerErrorHandler = (error) =>
  queueMicrotask(() => {
    throw error;
  });

/** A minimal typed event source; listeners that throw do not stop the others. */
export class Emitter<T> {
  private listeners = new Set<(value: T) => void>();
  private readonly name: string;
  private readonly onListenerError: ListenerErrorHandler;

  constructor(options: EmitterOptions = {}) {
    this.name = options.name ?? 'emitter';
    this.onListenerError = options.onListenerError ?? rethrowLater;
  }

  on(listener: (value: T) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.onListenerError(error, this.name);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  clear(): void {
    this.listeners.clear();
  }
}
