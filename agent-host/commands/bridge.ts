import { fileURLToPath } from 'node:url';
import { runSocketBridge } from '../bridge/socketBridge';
import type { HostConfig, ParsedFlags } from '../config';

/**
 * `agent-host bridge` from the full bundle: the same byte pipe as the small bridge.mjs, with this bundle
 * itself as the daemon entry (older installs and `bin/agent-host bridge` reach the daemon this way).
 */
export function bridge(config: HostConfig, flags: ParsedFlags['values']): Promise<number> {
  return runSocketBridge(config, flags, fileURLToPath(import.meta.url));
}
