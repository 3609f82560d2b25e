import { errorMessage } from '../common/wire/errors';
import { auditVerify } from './commands/audit';
import { bridge } from './commands/bridge';
import { identity } from './commands/identity';
import { serve } from './commands/serve';
import { status } from './commands/status';
import { parseFlags, resolveConfig } from './config';
import { assertTrustedStateDir } from './stateDirTrust';
import { HOST_VERSION } from './version';

const USAGE = `usage: agent-host <command> [--state-dir DIR] [options]
  serve           run the daemon (Unix socket 0600 in the state dir)
  bridge          join stdin/stdout to the daemon, starting it if needed
  status [--json] show the daemon and its sessions
  audit verify [--anchor SEQ:HASH]  check the audit hash chain (and that it still holds a head seen before)
  identity add NAME --key 'TYPE BASE64' [--authorized-keys PATH] [--replace] | list [--json] | remove NAME
                  bind a person's SSH key to the bridge with their name (agent-host identity --help)
agent side (run by the host inside an agent's session, reaching only that agent's endpoint):
  agent builtin   Flightdeck's own agent
  hook claude-code|codex EVENT [PAYLOAD]   a CLI agent's hook: asks the host, exits 0 or 2 (2 on any failure)
  mcp             the host's MCP endpoint for a CLI agent (stdio)
  sandbox-exec SPEC -- CMD [ARGS...]   first process in an agent's sandbox: its way to the egress proxy, then CMD
  --version       print the version
options: --state-dir DIR (or FLIGHTDECK_HOST_DIR; default ~/.flightdeck/host)
         --as NAME (bridge): the person a bound key speaks for, written by identity add into its forced command
         --retention-bytes N, --high-watermark N, --stall-timeout-ms N (serve and bridge)
         --exited-retention-age 7d, --exited-retention-bytes N (serve and bridge; 0: no limit)
A state dir (or a file in it) that is a symbolic link or another user's, or a state dir that group or others
may write in, is refused: exit 1, naming what is wrong.
`;

async function main(argv: string[]): Promise<number> {
  // Agent-side commands take their own arguments (hook payloads, never flags of the daemon) and no state dir. Loaded
  // on use: the daemon never evaluates the model and MCP SDKs they bring (about 18 MB of RSS and 140 ms of start-up).
  if (argv[0] === 'agent' && argv[1] === 'builtin' && argv.length === 2) return (await import('./builtin/runBuiltinAgent')).runBuiltinAgent();
  if (argv[0] === 'hook') return (await import('./commands/hook')).hook(argv.slice(1));
  if (argv[0] === 'mcp' && argv.length === 1) return (await import('./commands/mcp')).mcp();
  if (argv[0] === 'sandbox-exec') return (await import('./commands/sandboxExec')).sandboxExec(argv.slice(1));
  // The admin's identity tool has flags of its own (--key, --authorized-keys, --replace).
  if (argv[0] === 'identity') return identity(argv.slice(1));
  const { values, positionals } = parseFlags(argv);
  if (values.version) {
    process.stdout.write(`${HOST_VERSION}\n`);
    return 0;
  }
  const config = resolveConfig(values);
  const [command, sub] = positionals;
  switch (command) {
    case 'serve':
      return serve(config);
    case 'bridge':
      return bridge(config, values);
    case 'status':
      assertTrustedStateDir(config.stateDir);
      return status(config, values.json ?? false);
    case 'audit':
      if (sub !== 'verify') break;
      assertTrustedStateDir(config.stateDir);
      return auditVerify(config, values.json ?? false, values.anchor);
    case undefined:
      if (values.help) {
        process.stdout.write(USAGE);
        return 0;
      }
  }
  process.stderr.write(USAGE);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`agent-host: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
