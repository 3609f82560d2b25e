import { DETACH_HELP } from './attach';

export const USAGE = `flightdeck — supervise AI coding agents on your VMs over SSH

usage:
  flightdeck host add NAME --ssh ALIAS|user@host[:port] [--port P] [--identity FILE] [--jump SPEC] [--host-dir DIR]
                  [--node PATH]   (the VM's node, when not the one on its PATH)
                  [--bound]       (the key is bound to the bridge on the VM: agent-host identity add; no bootstrap)
  flightdeck host add NAME --local [--host-dir DIR]
  flightdeck host list [--json] [--timeout S]   (tries every host, S seconds at most; never asks)
  flightdeck host remove NAME
  flightdeck host trust NAME [--fingerprint SHA256:...] [--yes]
  flightdeck host check NAME [--json]
  flightdeck host upgrade NAME [--force]   (--force: consent to stopping running sessions)
  flightdeck session start HOST [--name N] [--cwd DIR] [--env K=V]... -- CMD [ARGS...]
  flightdeck session list [HOST...] [--json]
  flightdeck session kill HOST/SESSION
  flightdeck session remove HOST/SESSION   (an ended session and its output; a running one is refused)
  flightdeck session send HOST/SESSION TEXT [--enter]
  flightdeck session output HOST/SESSION [--from OFFSET] [--follow] [--snapshot]
                  (--snapshot: print the screen that stands for output cut from the host's journal)
  flightdeck attach HOST/SESSION|HOST/AGENT   (detach: ${DETACH_HELP})
  flightdeck repo add HOST NAME GIT_URL [--branch B]   (cloned on the VM with its own git credentials)
  flightdeck repo list HOST [--json]
  flightdeck repo remove HOST NAME
  flightdeck profile list HOST [--json]
  flightdeck agent start HOST --repo NAME --profile P --task TEXT [--name N] [--base REF] [--json]
  flightdeck agent list [HOST...] [--json]
  flightdeck agent send HOST/AGENT TEXT   (answers its question, else queued or typed at its prompt)
  flightdeck agent stop HOST/AGENT
  flightdeck agent resume HOST/AGENT
  flightdeck agent remove HOST/AGENT [--force]   (removes its worktree: only a clean one unless --force; the branch stays)
  flightdeck audit verify HOST [--accept] [--json]   (the chain, and that it still holds what this machine saw)
  flightdeck audit verify --repo PATH [--ref REF] [--json]   (the chains synced into a repo, without any host)
  flightdeck audit list HOST [--agent NAME] [--action A|FAMILY.*] [--outcome ok|error|denied] [--since 2h|DATE]
                  [--limit N] [--json]
  flightdeck policy show HOST [--repo NAME] [--json]   (the effective policy, each rule with its file and line)
  flightdeck policy check HOST --repo NAME [--ref REF]   (the repo's .flightdeck/policy.yaml may only narrow the host's)
  flightdeck approval list [HOST...] [--json]   (commands held by commands.ask, waiting for a person)
  flightdeck runbook list HOST [--repo NAME] [--json]   (built-in runbooks and the repo's own; broken files as file:line)
  flightdeck run start HOST --runbook NAME --repo NAME [--param K=V]... [--base REF] [--json]   (prints HOST/RUN)
  flightdeck run list [HOST...] [--json]
  flightdeck run show HOST/RUN [--prompts] [--json]   (--prompts: the exact prompt each agent got, in full)
  flightdeck run cancel HOST/RUN   (its agents stop; branches and worktrees stay)
  flightdeck run pause HOST/RUN    (step agents stop where they are; nothing new starts)
  flightdeck run resume HOST/RUN
  flightdeck plan edit HOST/RUN [--file plan.json] [--note TEXT]   (without --file: the newest version in $VISUAL/$EDITOR)
  flightdeck inbox [HOST...] [--json]   (plans, checkpoints, questions, escalations, approvals waiting on you; oldest first)
  flightdeck show HOST/ITEM [--json]   (an inbox item with what is needed to decide it; a plan with its changes)
  flightdeck approve HOST/ITEM [--note TEXT]
  flightdeck approve HOST/ln-RUN-N [--file edited.md | --edit]   (learnings as proposed, or the list as you edited it)
  flightdeck reject HOST/ITEM --feedback TEXT   (the feedback goes back to the agent or the planner)
  flightdeck answer HOST/ITEM TEXT
  flightdeck context sync --repo PATH [--push] [--branch B] [--remote R] [--host NAME]... [--host-repo NAME]... [--offline]
                  (mirrors the hosts, then one commit of .flightdeck/ on branch B, default flightdeck/context;
                   the working tree, index and HEAD are never touched; --host-repo: a host repo's runs, matched by
                   name instead of by URL)
  flightdeck --version

Unknown host keys: asked interactively (y/N with the SHA256 fingerprint). Without a terminal nothing is trusted
implicitly: pass --fingerprint SHA256:... (checked against the presented key) or --yes (--yes=NAME: host NAME
only) to any command; --yes only accepts a host's first key. A changed host key (also one of another type) is
always refused, except by \`host trust\` answered interactively or with --fingerprint.

Environment: FLIGHTDECK_HOME (app data dir), FLIGHTDECK_SSH_CONFIG (instead of ~/.ssh/config),
FLIGHTDECK_KNOWN_HOSTS (instead of the known_hosts files), SSH_AUTH_SOCK (ssh-agent),
FLIGHTDECK_REMOTE_NODE (node on VMs whose host has no --node), FLIGHTDECK_AGENT_HOST_TARBALL / FLIGHTDECK_AGENT_HOST_NODE_MODULES (bootstrap).
`;
