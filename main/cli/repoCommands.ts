import { parseArgs } from 'node:util';
import type { RepoInfo } from '../../common/protocol/agents';
import { print, printJson, table, UsageError, type CliContext } from './context';
import { agentLane } from './agentLane';

export async function repoAdd(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { branch: { type: 'string' } } });
  if (positionals.length !== 3) throw new UsageError('usage: flightdeck repo add HOST NAME GIT_URL [--branch B]');
  const [host, name, url] = positionals as [string, string, string];
  const lane = await agentLane(ctx, host);
  const showProgress = !ctx.json && process.stderr.isTTY;
  const stopProgress = lane.peer.onNotification('repo.progress', (progress) => {
    if (showProgress && progress.name === name) process.stderr.write(`\r${progress.stage} ${Math.round(progress.percent)}%   `);
  });
  try {
    // A clone of a big repo takes as long as it takes: no request deadline.
    const { repo } = await lane.peer.request('repo.add', { name, url, branch: values.branch }, { timeoutMs: 0 });
    if (showProgress) process.stderr.write('\r\x1b[K');
    if (ctx.json) printJson({ host, repo });
    else print(`${host}/${repo.name}: cloned ${repo.url} (branch ${repo.branch})`);
  } finally {
    stopProgress();
  }
}

export async function repoList(ctx: CliContext, argv: string[]): Promise<void> {
  if (argv.length !== 1) throw new UsageError('usage: flightdeck repo list HOST [--json]');
  const host = argv[0]!;
  const { repos } = await (await agentLane(ctx, host)).peer.request('repo.list', {});
  if (ctx.json) printJson({ host, repos });
  else print(table(['REPO', 'BRANCH', 'FETCHED', 'URL'], repos.map((repo) => repoRow(repo))));
}

export async function repoRemove(ctx: CliContext, argv: string[]): Promise<void> {
  if (argv.length !== 2) throw new UsageError('usage: flightdeck repo remove HOST NAME');
  const [host, name] = argv as [string, string];
  await (await agentLane(ctx, host)).peer.request('repo.remove', { name });
  if (ctx.json) printJson({ removed: `${host}/${name}` });
  else print(`removed ${host}/${name}`);
}

function repoRow(repo: RepoInfo): string[] {
  return [repo.name, repo.branch, repo.fetchedAt ? new Date(repo.fetchedAt).toISOString() : '-', repo.url];
}
