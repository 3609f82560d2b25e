import { parseTerminalKey, terminalKey } from '../../../common/app/api';
import type { AppClient } from '../../../common/app/client';
import { TerminalController } from './controller';

const controllers = new Map<string, TerminalController>();

/** Routes every OUTPUT frame to its terminal, and "reattached" / "scrollback" / "input-refused" events to theirs; call once per client. */
export function routeStreams(client: AppClient): void {
  client.onOutput((key, offset, data) => controllers.get(key)?.output(offset, data));
  client.on('terminal.viewer', ({ host, event }) => {
    const controller = controllers.get(terminalKey(host, event.sessionId));
    if (event.state === 'reattached') controller?.reattached(event);
    else if (event.state === 'scrollback') controller?.scrollback(event);
    else if (event.state === 'input-refused') controller?.inputRefused({ bytes: event.bytes, reason: event.reason });
  });
  client.on('hosts.changed', ({ host }) => {
    for (const controller of controllers.values()) {
      if (controller.host === host.name) controller.hostState(host.state === 'connected');
    }
  });
  exposeTestHook();
}

export function openController(client: AppClient, key: string): TerminalController {
  const existing = controllers.get(key);
  if (existing) return existing;
  const ref = parseTerminalKey(key);
  if (!ref) throw new Error(`not a terminal key: ${key}`);
  const controller = new TerminalController(client, key, ref.host, ref.sessionId);
  controllers.set(key, controller);
  return controller;
}

export function closeController(key: string): void {
  controllers.get(key)?.dispose();
  controllers.delete(key);
}

export function findController(key: string): TerminalController | undefined {
  return controllers.get(key);
}

/**
 * window.__flightdeckTerminals: a read-only view for e2e tests and support ("what does the pane show?").
 * keys() lists open terminals; text(key, lastRows?) is the xterm buffer (or its tail) as text; offset(key) the
 * next expected byte; renderer(key) is 'webgl' or 'dom'.
 */
function exposeTestHook(): void {
  Object.defineProperty(window, '__flightdeckTerminals', {
    configurable: false,
    value: Object.freeze({
      keys: () => [...controllers.keys()],
      text: (key: string, lastRows?: number) => controllers.get(key)?.text(lastRows) ?? null,
      offset: (key: string) => controllers.get(key)?.offset ?? null,
      renderer: (key: string) => controllers.get(key)?.renderer ?? null,
    }),
  });
}
