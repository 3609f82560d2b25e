import { WireError, errorMessage } from '../../common/wire/errors';
import { FleetCore } from '../core/fleetCore';
import { FleetError } from '../ssh/errors';
import { attach } from './attach';
import { UsageError, type CliContext } from './context';
import { hostAdd, hostCheck, hostList, hostRemove, hostTrust, hostUpgrade } from './hostCommands';
import { sessionOutput } from './output';
import { auditVerify } from './auditCommands';
import { contextSync } from './contextCommands';
import { approvalList, auditList, policyCheck, policyShow } from './governanceCommands';
import { answer, approve, inboxList, inboxShow, reject } from './inboxCommands';
import { planEdit } from './planEditor';
import { CliPrompter, type TrustPolicy } from './prompter';
import { agentList, agentRemove, agentResume, agentSend, agentStart, agentStop, profileList } from './agentCommands';
import { repoAdd, repoList, repoRemove } from './repoCommands';
import { runbookList, runCancel, runList, runPause, runResume, runShow, runStart } from './runCommands';
import { sessionKill, sessionList, sessionRemove, sessionSend, sessionStart } from './sessionCommands';
import { USAGE } from './usage';
import { versionText } from './version';

/** Flags every command takes, wherever they appear before a `--`. */
function takeGlobalFlags(argv: string[]): { rest: string[]; json: boolean; yes?: TrustPolicy['yes']; fingerprint?: string; help: boolean } {
  const separator = argv.indexOf('--');
  const own = separator >= 0 ? argv.slice(0, separator) : argv;
  const tail = separator >= 0 ? argv.slice(separator) : [];
  const rest: string[] = [];
  const flags = { json: false, yes: undefined as TrustPolicy['yes'], help: false, fingerprint: undefined as string | undefined };
  for (let i = 0; i < own.length; i++) {
    const arg = own[i]!;
    if (arg === '--json') flags.json = true;
    else if (arg === '--yes' || arg === '-y') flags.yes = { host: null };
    // --yes=HOST: only that Flightdeck host's first key, so a script cannot trust another host by accident.
    else if (arg.startsWith('--yes=')) flags.yes = { host: arg.slice('--yes='.length) };
    else if (arg === '--help' || arg === '-h') flags.help = true;
    else if (arg === '--fingerprint') flags.fingerprint = own[++i];
    else if (arg.startsWith('--fingerprint=')) flags.fingerprint = arg.slice('--fingerprint='.length);
    else rest.push(arg);
  }
  return { rest: [...rest, ...tail], ...flags };
}

type Command = (ctx: CliContext, argv: string[]) => Promise<unknown> | unknown;

const COMMANDS: Record<string, Command> = {
  'host add': hostAdd,
  'host list': hostList,
  'host ls': hostList,
  'host remove': hostRemove,
  'host rm': hostRemove,
  'host trust': hostTrust,
  'host check': hostCheck,
  'host upgrade': hostUpgrade,
  'session start': sessionStart,
  'session list': sessionList,
  'session ls': sessionList,
  'session kill': sessionKill,
  'session remove': sessionRemove,
  'session rm': sessionRemove,
  'session send': sessionSend,
  'session output': sessionOutput,
  'audit verify': auditVerify,
  'context sync': contextSync,
  'audit list': auditList,
  'policy show': policyShow,
  'policy check': policyCheck,
  'approval list': approvalList,
  'approval ls': approvalList,
  'repo add': repoAdd,
  'repo list': repoList,
  'repo ls': repoList,
  'repo remove': repoRemove,
  'repo rm': repoRemove,
  'profile list': profileList,
  'profile ls': profileList,
  'agent start': agentStart,
  'agent list': agentList,
  'agent ls': agentList,
  'agent send': agentSend,
  'agent stop': agentStop,
  'agent resume': agentResume,
  'agent remove': agentRemove,
  'agent rm': agentRemove,
  'runbook list': runbookList,
  'runbook ls': runbookList,
  'run start': runStart,
  'run list': runList,
  'run ls': runList,
  'run show': runShow,
  'run cancel': runCancel,
  'run pause': runPause,
  'run resume': runResume,
  'plan edit': planEdit,
};

/** Commands of one word: `flightdeck attach HOST/SESSION`, `flightdeck inbox`, `flightdeck approve HOST/ITEM`. */
const SINGLE_WORD_COMMANDS: Record<string, Command> = { attach, inbox: inboxList, show: inboxShow, approve, reject, answer };

/** After a host key was refused without a terminal: how to trust it on purpose. */
function trustHint(prompter: CliPrompter | undefined): string | null {
  const refused = prompter?.refusedHostKey;
  if (!refused) return null;
  if (refused.reason === 'changed') {
    return (
      `The host key of ${refused.endpoint} changed to ${refused.algorithm} ${refused.fingerprint} and was not trusted.\n` +
      `Verify it with the host's administrator, then run: flightdeck host trust ${refused.host} --fingerprint ${refused.fingerprint}`
    );
  }
  return (
    `The host key of ${refused.endpoint} is not trusted yet: ${refused.algorithm} ${refused.fingerprint}.\n` +
    `Verify it with the host's administrator, then run: flightdeck host trust ${refused.host} --fingerprint ${refused.fingerprint}`
  );
}

/** Runs one CLI invocation; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function runCli(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-V') {
    process.stdout.write(versionText());
    return 0;
  }
  const flags = takeGlobalFlags(argv);
  if (flags.yes?.host === '') {
    process.stderr.write('flightdeck: --yes= names no host: use --yes=HOST (or --yes for any host without a known key)\n');
    return 2;
  }
  const [group, verb] = flags.rest;
  if (flags.help || !group) {
    process.stdout.write(USAGE);
    return flags.help ? 0 : 2;
  }
  const single = SINGLE_WORD_COMMANDS[group];
  const name = single ? group : `${group} ${verb ?? ''}`;
  const command: Command | undefined = single ?? COMMANDS[name];
  if (!command) {
    process.stderr.write(`flightdeck: unknown command "${name.trim()}"\n\n${USAGE}`);
    return 2;
  }
  const args = flags.rest.slice(single ? 1 : 2);
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  const policy: TrustPolicy = { interactive, fingerprint: flags.fingerprint, yes: flags.yes };
  let core: FleetCore | undefined;
  let prompter: CliPrompter | undefined;
  try {
    core = FleetCore.open({ clientName: 'flightdeck-cli' });
    prompter = new CliPrompter(core, policy);
    const result = await command({ core, prompter, json: flags.json }, args);
    if (typeof result === 'string') process.stderr.write(`\r\n${result}\r\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`flightdeck: ${error.message}\n`);
      return 2;
    }
    const message = error instanceof FleetError || error instanceof WireError ? error.message : errorMessage(error);
    process.stderr.write(`flightdeck: ${message}\n`);
    const hint = trustHint(prompter);
    if (hint) process.stderr.write(`${hint}\n`);
    return 1;
  } finally {
    core?.close();
  }
}
