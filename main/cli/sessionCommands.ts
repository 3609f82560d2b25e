import { parseArgs } from 'node:util';
import type { SessionInfo } from '../../common/protocol/session';
import { print, printJson, table, UsageError, type CliContext } from './context';
import { fromEachHost, reportFailures } from './eachHost';
import { resolveSession } from './sessionRef';

export async function sessionStart(ctx: CliContext, argv: string[]): Promise<void> {
  const separator = argv.indexOf('--');
  const own = separator >= 0 ? argv.slice(0, separator) : argv;
  const command = separator >= 0 ? argv.slice(separator + 1) : [];
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: { name: { type: 'string' }, cwd: { type: 'string' }, env: { type: 'string', multiple: true }, 'no-input': { type: 'boolean' } },
  });
  const host = positionals[0];
  if (!host || command.length === 0) throw new UsageError('usage: flightdeck session start HOST [--name N] [--cwd DIR] [--env K=V] -- CMD [ARGS...]');
  const env: Record<string, string> = {};
  for (const pair of values.env ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env expects KEY=VALUE, got "${pair}"`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const lane = await ctx.core.host(host).lane();
  const { session } = await lane.peer.request('session.start', {
    command: command[0]!,
    args: command.slice(1),
    cwd: values.cwd,
    name: values.name,
    env: Object.keys(env).length > 0 ? env : undefined,
    cols: process.stdout.columns || 120,
    rows: process.stdout.rows || 32,
    inputAllowed: !values['no-input'],
  });
  if (ctx.json) printJson({ host, session });
  else print(`${host}/${session.id}`);
}

function sessionRow(host: string, session: SessionInfo): string[] {
  const status = session.status === 'exited' ? `exited(${session.exitCode ?? session.exitSignal ?? '?'})` : session.status;
  return [`${host}/${session.id}`, session.name, status, String(session.endOffset), [session.command, ...session.args].join(' ')];
}

export async function sessionList(ctx: CliContext, argv: string[]): Promise<void> {
  const { rows, failures } = await fromEachHost(ctx, argv, async (host) => {
    const { sessions } = await (await ctx.core.host(host).lane()).peer.request('session.list', {});
    return sessions.map((session) => ({ host, session }));
  });
  rows.sort((a, b) => a.host.localeCompare(b.host) || a.session.createdAt - b.session.createdAt);
  if (ctx.json) printJson({ sessions: rows, errors: failures });
  else print(table(['SESSION', 'NAME', 'STATUS', 'BYTES', 'COMMAND'], rows.map((row) => sessionRow(row.host, row.session))));
  reportFailures(ctx, argv, failures);
}

export async function sessionKill(ctx: CliContext, argv: string[]): Promise<void> {
  const { host, lane, session } = await resolveSession(ctx, argv[0]);
  await lane.peer.request('session.kill', { sessionId: session.id });
  if (ctx.json) printJson({ killed: `${host}/${session.id}` });
  else print(`killed ${host}/${session.id}`);
}

export async function sessionSend(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { enter: { type: 'boolean' } } });
  if (positionals.length !== 2) throw new UsageError('usage: flightdeck session send HOST/SESSION TEXT [--enter]');
  const { lane, session } = await resolveSession(ctx, positionals[0]);
  await lane.peer.request('session.input', { sessionId: session.id, data: positionals[1]! + (values.enter ? '\r' : '') });
}

/** Removes an ended session and its journal from its host; a running one is refused (kill it first). */
export async function sessionRemove(ctx: CliContext, argv: string[]): Promise<void> {
  if (argv.length !== 1) throw new UsageError('usage: flightdeck session remove HOST/SESSION');
  const { host, lane, session } = await resolveSession(ctx, argv[0]);
  const ref = `${host}/${session.id}`;
  if (session.status !== 'exited' && session.status !== 'interrupted') {
    throw new Error(`${ref} is still running (${session.status}); only ended sessions can be removed: flightdeck session kill ${ref} first`);
  }
  await lane.peer.request('session.remove', { sessionId: session.id });
  if (ctx.json) printJson({ removed: ref });
  else print(`removed ${ref}`);
}
