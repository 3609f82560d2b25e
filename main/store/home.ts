import { homedir } from 'node:os';
import { join } from 'node:path';

/** The app's data dir: FLIGHTDECK_HOME, else the per-OS convention (the same place Electron's userData points to). */
export function appHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.FLIGHTDECK_HOME) return env.FLIGHTDECK_HOME;
  const home = homedir();
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'flightdeck');
    case 'win32':
      return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'flightdeck');
    default:
      return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'flightdeck');
  }
}
