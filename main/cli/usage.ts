import { DETACH_HELP } from './attach';

export const USAGE = `flightdeck — supervise AI coding agents on your VMs over SSH

usage:
  flightdeck host add NAME --ssh ALIAS|user@host[:port] [--port P] [--identity FILE] [--jump SPEC] [--host-dir DIR]
  flightdeck host add NAME --local [--host-dir DIR]
  flightdeck host list [--json]
  flightdeck host remove NAME
  flightdeck host trust NAME [--fingerprint SHA256:...] [--yes]
  flightdeck host check NAME [--json]
  flightdeck host upgrade NAME [--force]   (--force: consent to stopping running sessions)
  flightdeck session start HOST [--name N] [--cwd DIR] [--env K=V]... -- CMD [ARGS...]
  flightdeck session list [HOST...] [--json]
  flightdeck session kill HOST/SESSION
  flightdeck session send HOST/SESSION TEXT [--enter]
  flightdeck session output HOST/SESSION [--from OFFSET] [--follow]
  flightdeck attach HOST/SESSION          (detach: ${DETACH_HELP})

Unknown host keys: asked interactively (y/N with the SHA256 fingerprint). Without a terminal nothing is trusted
implicitly: pass --fingerprint SHA256:... (checked against the presented key) or --yes to any command.
A changed host key is always refused, except by \`host trust\`.

Environment: FLIGHTDECK_HOME (app data dir), FLIGHTDECK_SSH_CONFIG (instead of ~/.ssh/config),
FLIGHTDECK_KNOWN_HOSTS (instead of the known_hosts files), SSH_AUTH_SOCK (ssh-agent),
FLIGHTDECK_REMOTE_NODE (node on the VM), FLIGHTDECK_AGENT_HOST_TARBALL / FLIGHTDECK_AGENT_HOST_NODE_MODULES (bootstrap).
`;
