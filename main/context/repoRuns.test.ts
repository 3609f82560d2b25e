import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { remoteKey } from './repoRuns';

describe('remoteKey', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fd-remote-key-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives one key to every spelling of the same remote', async () => {
    const spellings = [
      'https://github.example.com/team/app.git',
      'https://user@GitHub.example.com/team/app/',
      'ssh://git@github.example.com:2222/team/app.git',
      'git@github.example.com:team/app.git',
      'github.example.com:team/app',
    ];
    const keys = await Promise.all(spellings.map(remoteKey));
    expect(new Set(keys)).toEqual(new Set(['github.example.com/team/app']));
    expect(await remoteKey('https://github.example.com/team/other.git')).not.toBe(keys[0]);
  });

  it('keys local repositories by their real path, whatever path or file URL names them', async () => {
    const link = join(dir, 'link');
    await symlink(dir, link);
    const real = await remoteKey(dir);
    expect(await remoteKey(`${link}/`)).toBe(real);
    expect(await remoteKey(`file://${link}`)).toBe(real);
  });
});
