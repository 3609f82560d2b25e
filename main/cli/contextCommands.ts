import { parseArgs } from 'node:util';
import { DEFAULT_CONTEXT_BRANCH } from '../../common/context/layout';
import type { MirrorOutcome } from '../cache/mirror';
import { runsOfRepo } from '../context/repoRuns';
import { syncContext } from '../context/repoSync';
import { verifyRepoAudit, type RepoAuditCheck } from '../context/verifyRepo';
import { print, printJson, UsageError, type CliContext } from './context';
import { formatAge } from './runArgs';

const SYNC_USAGE = 'usage: flightdeck context sync --repo PATH [--push] [--branch B] [--remote R] [--host NAME]... [--host-repo NAME]... [--offline] [--json]';

function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** One line per host: what the mirror brought, or why the cache (and how old) stands in for it. */
function mirrorLine(outcome: MirrorOutcome): string {
  if ('error' in outcome) {
    const age = outcome.ageMs === null ? 'nothing cached' : `its cache is ${formatAge(outcome.ageMs)} old (stale)`;
    return `${outcome.host}: not reached (${outcome.error}); ${age}`;
  }
  const runs = outcome.runsSkipped ? `runs not mirrored: ${outcome.runsSkipped}` : `${outcome.runsUpdated} run(s) updated`;
  const line = `${outcome.host}: +${outcome.auditAdded} audit record(s) (held up to ${outcome.auditHead}), ${runs}`;
  return outcome.alarm ? `${line}\n  ALARM: ${outcome.alarm}\n  Only the records before it are synced.` : line;
}

/**
 * `context sync --repo PATH [--push]`: mirrors every host (or the named ones) into this machine's cache, then writes
 * one commit on the context branch of the repository at PATH from the cache — its working tree, index and HEAD are
 * never touched. A host that cannot be reached is synced as last mirrored; --offline mirrors nothing.
 */
export async function contextSync(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      repo: { type: 'string' },
      push: { type: 'boolean' },
      branch: { type: 'string' },
      remote: { type: 'string' },
      host: { type: 'string', multiple: true },
      'host-repo': { type: 'string', multiple: true },
      offline: { type: 'boolean' },
    },
  });
  if (positionals.length > 0 || !values.repo) throw new UsageError(SYNC_USAGE);
  const hosts = values.host ?? [];
  for (const host of hosts) ctx.core.host(host);
  let mirrored: MirrorOutcome[] = [];
  if (!values.offline) {
    mirrored = await ctx.core.mirrorAll(hosts.length > 0 ? hosts : undefined);
    if (!ctx.json) for (const outcome of mirrored) note(mirrorLine(outcome));
  }
  const source = await runsOfRepo(ctx.core.cache.contextSource(), values.repo, values['host-repo']);
  const result = await syncContext({
    repoPath: values.repo,
    branch: values.branch ?? DEFAULT_CONTEXT_BRANCH,
    push: values.push ?? false,
    remote: values.remote,
    source,
    onProgress: ctx.json ? undefined : (stage, detail) => note(`context sync: ${stage}${detail ? `: ${detail}` : ''}`),
  });
  if (ctx.json) return printJson({ mirrored, sync: result });
  const what = `${Object.keys(result.auditRecords).length} host(s), ${result.runs} run(s)`;
  if (result.commit) print(`${result.branch}: ${result.commit} (${result.files.length} file(s) changed; ${what})${result.pushed ? ', pushed' : ''}`);
  else print(`${result.branch}: nothing new (at ${result.head ?? 'no commit'}; ${what})${result.pushed ? ', pushed' : ''}`);
}

function printRepoCheck(check: RepoAuditCheck): void {
  print(`${check.ref} at ${check.commit ?? '(no commit)'}: ${check.hosts.length} host(s)`);
  if (check.problem) print(`  ${check.problem}`);
  for (const host of check.hosts) {
    const head = host.head ? `head record ${host.head.seq} ${host.head.hash.slice(0, 16)}…` : 'no records';
    print(`  ${host.host}: ${host.records} audit record(s), ${head}`);
    if (host.ok) print('    chain intact');
    else {
      const where = host.file ? ` (${host.file}${host.line ? `:${host.line}` : ''})` : '';
      print(`    chain BROKEN${host.firstBadSeq ? ` at record ${host.firstBadSeq}` : ''}${where}: ${host.problem}`);
    }
  }
}

/** `audit verify --repo PATH [--ref REF]`: the chains synced into a repository, checked without any host. Exit 1 when broken. */
export async function auditVerifyRepo(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { repo: { type: 'string' }, ref: { type: 'string' } } });
  if (positionals.length > 0 || !values.repo) throw new UsageError('usage: flightdeck audit verify --repo PATH [--ref REF] [--json]');
  const check = await verifyRepoAudit({ repoPath: values.repo, ref: values.ref });
  if (ctx.json) printJson(check);
  else printRepoCheck(check);
  if (!check.ok) throw new Error(`${values.repo}: the synced audit does not verify`);
}
