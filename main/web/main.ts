// Browser mode entry (`npm run web`): the fleet core and the renderer served on 127.0.0.1, for headless servers and e2e.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FleetCore, serveAppTransport } from '../core';
import { startWebServer } from './server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    renderer: { type: 'string' },
    home: { type: 'string' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a number from 0 to 65535, got ${values.port}`);
  process.exit(2);
}

const core = FleetCore.open({ clientName: 'flightdeck-web', autoConnect: true, ...(values.home ? { home: values.home } : {}) });
const server = await startWebServer({
  rendererDir: resolve(values.renderer ?? resolve(import.meta.dirname, '../renderer')),
  port,
  serve: (transport) => void serveAppTransport(core, transport),
});

console.log(`Flightdeck (browser mode) is serving on 127.0.0.1 only.\nOpen: ${server.url}\nThe token in that address is the only key to your fleet: do not share it. Ctrl+C stops.`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close();
  core.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
