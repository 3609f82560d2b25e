import { errorMessage } from '../../common/wire/errors';
import { PROTOCOL_VERSION } from '../../common/protocol/version';
import { locateBundle } from '../fleet/bundle';

// scripts/build-cli.mjs defines it as package.json's version; run from sources (tests) it is not defined.
declare const __FLIGHTDECK_VERSION__: string | undefined;

/** `flightdeck --version`: this CLI, and the agent-host it installs on VMs (with the protocol they speak). */
export function versionText(): string {
  const cli = typeof __FLIGHTDECK_VERSION__ === 'string' ? __FLIGHTDECK_VERSION__ : 'dev';
  let agentHost: string;
  try {
    agentHost = `agent-host ${locateBundle().version}`;
  } catch (error) {
    agentHost = `agent-host unknown: ${errorMessage(error)}`;
  }
  return `flightdeck ${cli} (${agentHost}, protocol ${PROTOCOL_VERSION})\n`;
}
