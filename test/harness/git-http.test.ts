import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { gitHttpServer, type GitHttpServer } from './git-http';
import { makeRepo } from './repo';

let dir: string | undefined;
let server: GitHttpServer | undefined;

afterEach(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Not execFileSync: the server answers on this process's event loop.
const git = async (args: string[]) => (await promisify(execFile)('git', args, { encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } })).stdout;

it('serves bare repositories over smart HTTP: a clone, and a push that lands in the bare repository', async () => {
  dir = await mkdtemp(join(tmpdir(), 'fd-git-http-'));
  const source = await makeRepo();
  const bare = join(dir, 'root', 'acme', 'app.git');
  await git(['clone', '--bare', '--quiet', source.dir, bare]);
  await source.cleanup();
  server = await gitHttpServer(join(dir, 'root'));

  const clone = join(dir, 'clone');
  await git(['clone', '--quiet', `${server.url}/acme/app.git`, clone]);
  await git(['-C', clone, '-c', 'user.name=T', '-c', 'user.email=t@t.invalid', 'commit', '--quiet', '--allow-empty', '-m', 'pushed over http']);
  await git(['-C', clone, 'push', '--quiet', 'origin', 'HEAD:refs/heads/feature']);

  expect((await git(['-C', bare, 'log', '-1', '--format=%s', 'feature'])).trim()).toBe('pushed over http');
  await expect(git(['ls-remote', `${server.url}/acme/missing.git`])).rejects.toThrow();
});
