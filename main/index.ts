// Electron main entry: wiring only. The shell is main/electron/desktop.ts, the fleet core is main/core.
import * as electron from 'electron';
import { FleetCore } from './core';
import { runDesktop } from './electron/desktop';

void runDesktop(electron, async () => {
  const core = FleetCore.open({ clientName: 'flightdeck-desktop', clientVersion: electron.app.getVersion(), autoConnect: true });
  return { openClient: (sink) => core.openClient(sink), close: () => core.close() };
}).catch((error: unknown) => {
  console.error('Flightdeck failed to start:', error);
  electron.dialog.showErrorBox('Flightdeck failed to start', error instanceof Error ? error.message : String(error));
  electron.app.exit(1);
});
