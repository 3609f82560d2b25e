// The bridge-only entry (out/agent-host/bridge.mjs): every SSH exec channel runs it, so it loads only what piping
// stdio to the daemon's socket needs (no node-pty, SQLite or xterm), and starts the full daemon beside it when absent.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, resolveConfig } from './config';
import { runSocketBridge } from './bridge/socketBridge';

/** The full agent-host bundle sits beside this one in every install (build output, pack, bootstrap upload). */
const DAEMON_ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'agent-host.mjs');

async function main(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv);
  return runSocketBridge(resolveConfig(values), values, DAEMON_ENTRY);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`agent-host bridge: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
