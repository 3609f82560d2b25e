import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RunbookList, RunbookProblem, RunbookSource } from '../../common/protocol/runbook';
import { errorMessage, WireError, WireErrorCode } from '../../common/wire/errors';
import type { Repos } from '../repos/repos';
import { parseRunbook, RunbookError, type Runbook } from './parseRunbook';

/** Where a repo keeps its own runbooks; they override built-ins of the same name. */
export const REPO_RUNBOOKS_DIR = '.flightdeck/runbooks';
/** How built-in runbook files are named in lists and problems (the folder in the source tree). */
const BUILT_IN_LABEL = 'runbooks';

export interface RunbookFile {
  path: string;
  text: string;
}

/** A repo's runbook files as its default branch has them now, and that commit. */
export type RepoRunbookFiles = (repo: string) => Promise<{ commit: string; files: RunbookFile[] }>;

/** The `*.md` files of `.flightdeck/runbooks/` on the repo's default branch, fetched first. */
export async function runbookFilesOf(repos: Pick<Repos, 'resolveBase' | 'listFiles'>, repoName: string): Promise<{ commit: string; files: RunbookFile[] }> {
  const commit = await repos.resolveBase(repoName, undefined);
  const files = await repos.listFiles(repoName, commit, REPO_RUNBOOKS_DIR);
  return { commit, files: files.filter((file) => file.path.endsWith('.md')) };
}

/** What one runbook name stands for: a usable runbook, or the error of the file(s) that claim it. */
type Entry = { runbook: Runbook } | { error: RunbookError };

interface Catalog {
  entries: Map<string, Entry>;
  problems: RunbookProblem[];
}

/**
 * The runbooks a run can use: the built-ins (every `*.md` of builtInDir) and, for a repo, its own, which replace a
 * built-in of the same name. Files are read on every call, so an edit or a push counts at once. A bad file never
 * hides the others: list reports it, get of its name throws its error. A name two files of one source declare is
 * unusable until one is renamed (which one was meant cannot be known).
 */
export class RunbookLibrary {
  constructor(private readonly deps: { builtInDir: string; repoFiles: RepoRunbookFiles }) {}

  async list(repo?: string): Promise<RunbookList> {
    const { entries, problems } = await this.catalog(repo);
    const runbooks = [...entries.values()].flatMap((entry) => ('runbook' in entry ? [entry.runbook.info] : []));
    return { runbooks: runbooks.sort((a, b) => a.name.localeCompare(b.name)), problems };
  }

  async get(name: string, repo?: string): Promise<Runbook> {
    const { entries } = await this.catalog(repo);
    const entry = entries.get(name);
    if (!entry) {
      const available = [...entries.keys()].sort();
      const where = repo === undefined ? 'among the built-in runbooks' : `among the built-in runbooks or repo ${repo}'s ${REPO_RUNBOOKS_DIR}/`;
      throw new WireError(WireErrorCode.RunbookNotFound, `no runbook named ${name} ${where}; available: ${available.join(', ') || 'none'}`, {
        runbook: name,
        ...(repo === undefined ? {} : { repo }),
        available,
      });
    }
    if ('error' in entry) throw entry.error;
    return entry.runbook;
  }

  private async catalog(repo: string | undefined): Promise<Catalog> {
    const builtIn = collect(await this.builtInFiles(), 'built-in');
    if (repo === undefined) return builtIn;
    const own = collect((await this.deps.repoFiles(repo)).files, 'repo');
    const entries = new Map(builtIn.entries);
    for (const [name, entry] of own.entries) {
      // A repo's broken runbook still claims its name: running the built-in instead would not be what the repo meant.
      const overrides = builtIn.entries.has(name);
      entries.set(name, 'runbook' in entry ? { runbook: { ...entry.runbook, info: { ...entry.runbook.info, overrides } } } : entry);
    }
    return { entries, problems: [...builtIn.problems, ...own.problems] };
  }

  private async builtInFiles(): Promise<RunbookFile[]> {
    const dir = this.deps.builtInDir;
    let names: string[];
    try {
      names = (await readdir(dir)).filter((name) => name.endsWith('.md'));
    } catch (error) {
      throw new WireError(WireErrorCode.InternalError, `cannot read the built-in runbooks in ${dir}: ${errorMessage(error)}`, { dir });
    }
    return Promise.all(names.map(async (name) => ({ path: `${BUILT_IN_LABEL}/${name}`, text: await readFile(join(dir, name), 'utf8') })));
  }
}

/** Parses the files of one source (in path order), keyed by declared name; a name declared twice is a problem. */
function collect(files: RunbookFile[], source: RunbookSource): Catalog {
  const entries = new Map<string, Entry>();
  const problems: RunbookProblem[] = [];
  const firstFile = new Map<string, string>();
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    let entry: Entry;
    let name: string;
    try {
      const runbook = parseRunbook(file.text, file.path, source);
      entry = { runbook };
      name = runbook.info.name;
    } catch (error) {
      if (!(error instanceof RunbookError)) throw error;
      problems.push(...error.problems);
      entry = { error };
      name = error.runbook ?? basename(file.path, '.md');
    }
    const first = firstFile.get(name);
    if (first === undefined) {
      firstFile.set(name, file.path);
      entries.set(name, entry);
      continue;
    }
    const duplicate: RunbookProblem = {
      file: file.path,
      line: nameLine(file.text),
      key: 'name',
      message: `is ${name}, as in ${first}: runbook names must be unique, and neither is used until one is renamed`,
    };
    problems.push(duplicate);
    entries.set(name, { error: new RunbookError([duplicate], name) });
  }
  return { entries, problems };
}

/** The line of the front matter's top-level `name:` key (1 when there is none). */
function nameLine(text: string): number {
  const index = text.split('\n').findIndex((line) => /^name\s*:/.test(line));
  return index < 0 ? 1 : index + 1;
}
