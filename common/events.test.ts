import { describe, expect, it } from 'vitest';
import { Emitter } from './events';

describe('Emitter listener errors', () => {
  it('hands a throwing lister\'s error to the handler with the emitter\'s name, and still calls the others', () => {
    const reported: [unknown, string][] = [];
    const emitter = new Emitter<number>({ name: 'session s-1 events', onListenerError: (error, name) => reported.push([error, name]) });
    const seen: number[] = [];
    const boom = new Error('listener broke');
    emitter.on(() => {
      throw boom;
    });
    emitter.on((value) => seen.push(value));
    emitter.emit(7);
    expect(seen).toEqual([7]);
    expect(reported).toEqual([[boom, 'session s-1 events']]);
  });

  it('without a handler, rethrows asynchronously as an uncaught exception (the default)', async () => {
    const emitter = new Emitter<void>();
    const boom = new Error('unhandled listener error');
    emitter.on(() => {
      throw boom;
    });
    const uncaught = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
    emitter.emit();
    expect(await uncaught).toBe(boom);
  });
});
