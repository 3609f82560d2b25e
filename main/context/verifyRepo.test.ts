import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainRecordHash } from '../../common/audit/chain';
import { auditLine } from './contextTree';
import { syncContext } from './repoSync';
import { branchFiles, chain, commitOnBranch, host, personsClone, type Scratch, scratch, source, testGit } from './testing/contextFixtures';
import { sha256Hex, verifyRepoAudit } from './verifyRepo';

const BRANCH = 'flightdeck/context';
const VM1 = '.flightdeck/audit/vm1';
const DAY1 = `${VM1}/2026-12-01.jsonl`;
const DAY2 = `${VM1}/2026-12-02.jsonl`;
const DAY3 = `${VM1}/2026-12-03.jsonl`;
const HEADS = `${VM1}/heads.json`;

let tmp: Scratch;
let repo: string;
let git: SimpleGit;
let synced: string;
let files: Map<string, string>;

beforeAll(async () => {
  tmp = await scratch();
  repo = join(tmp.dir, 'app');
  await mkdir(repo);
  git = await personsClone(repo);
  // vm1: record 1 on Dec 1, 2–25 on Dec 2, 26–30 on Dec 3.
  synced = (await syncContext({ repoPath: repo, source: source([host('vm1', chain(30)), host('vm2', chain(3))]) })).commit!;
  files = await branchFiles(git, `refs/heads/${BRANCH}`);
});
afterAll(async () => {
  await tmp.cleanup();
});

/** Each case tampers on top of the synced commit, then puts the branch back. */
async function verifyAfter(changes: Record<string, string | null>) {
  await commitOnBranch(git, BRANCH, changes);
  try {
    return await verifyRepoAudit({ repoPath: repo });
  } finally {
    await git.raw(['update-ref', `refs/heads/${BRANCH}`, synced]);
  }
}

function vm1Of(result: Awaited<ReturnType<typeof verifyRepoAudit>>) {
  expect(result.ok).toBe(false);
  return result.hosts.find((entry) => entry.host === 'vm1')!;
}

const lines = (path: string) => files.get(path)!.trimEnd().split('\n');
const join_ = (list: string[]) => `${list.join('\n')}\n`;

describe('verifyRepoAudit', () => {
  it('passes on a fresh sync, per host, with its id, count and head', async () => {
    const result = await verifyRepoAudit({ repoPath: repo });
    expect(result).toMatchObject({ ref: BRANCH, commit: synced, ok: true });
    const vm1 = chain(30);
    expect(result.hosts).toEqual([
      { host: 'vm1', hostId: 'id-vm1', records: 30, head: { seq: 30, hash: vm1[29]!.hash }, ok: true },
      { host: 'vm2', hostId: 'id-vm2', records: 3, head: { seq: 3, hash: chain(3)[2]!.hash }, ok: true },
    ]);
  });

  it('fails on an edited record, naming file, line and seq', async () => {
    const edited = lines(DAY2);
    edited[4] = edited[4]!.replace('"outcome":"allowed"', '"outcome":"denied"');
    expect(vm1Of(await verifyAfter({ [DAY2]: join_(edited) }))).toMatchObject({ file: DAY2, line: 5, firstBadSeq: 6, records: 5, problem: 'record 6 was modified (hash mismatch)' });
  });

  it('fails on an edited record whose hash was recomputed (the next one no longer follows)', async () => {
    const record = JSON.parse(lines(DAY2)[4]!) as Parameters<typeof chainRecordHash>[0] & { hash: string };
    const forged = { ...record, outcome: 'denied' };
    const edited = lines(DAY2);
    edited[4] = auditLine({ ...forged, hash: chainRecordHash(forged, sha256Hex) });
    expect(vm1Of(await verifyAfter({ [DAY2]: join_(edited) }))).toMatchObject({ file: DAY2, line: 6, firstBadSeq: 7 });
  });

  it('fails on a line that is not canonical or not a record', async () => {
    const reformatted = lines(DAY2);
    reformatted[1] = JSON.stringify(JSON.parse(reformatted[1]!), null, 1).replace(/\n/g, '');
    expect(vm1Of(await verifyAfter({ [DAY2]: join_(reformatted) }))).toMatchObject({ file: DAY2, line: 2, problem: `${DAY2}:2 is not in canonical form (edited)` });
    expect(vm1Of(await verifyAfter({ [DAY3]: `${files.get(DAY3)}hello\n` }))).toMatchObject({ file: DAY3, line: 6, problem: `${DAY3}:6 is not JSON` });
  });

  it('fails on truncation: lines dropped from the end of the newest file, or a file cut inside a line', async () => {
    expect(vm1Of(await verifyAfter({ [DAY3]: join_(lines(DAY3).slice(0, 3)) }))).toMatchObject({ file: DAY3, firstBadSeq: 29, records: 28 });
    expect(vm1Of(await verifyAfter({ [DAY3]: files.get(DAY3)!.slice(0, -20) }))).toMatchObject({ file: DAY3, line: 5, problem: `${DAY3} ends inside a line (truncated)` });
    expect(vm1Of(await verifyAfter({ [DAY2]: join_(lines(DAY2).slice(0, -1)) }))).toMatchObject({ file: DAY3, line: 1, firstBadSeq: 25 });
  });

  it('fails on reordered lines', async () => {
    const reordered = lines(DAY2);
    [reordered[3], reordered[4]] = [reordered[4]!, reordered[3]!];
    expect(vm1Of(await verifyAfter({ [DAY2]: join_(reordered) }))).toMatchObject({ file: DAY2, line: 4, firstBadSeq: 5 });
  });

  it('fails on a record moved to another day file', async () => {
    const moved = lines(DAY2);
    expect(vm1Of(await verifyAfter({ [DAY1]: join_([...lines(DAY1), moved[0]!]), [DAY2]: join_(moved.slice(1)) }))).toMatchObject({ file: DAY1, line: 2, firstBadSeq: 2 });
  });

  it('fails on a deleted file: the first, a middle one, the newest, heads.json', async () => {
    expect(vm1Of(await verifyAfter({ [DAY1]: null }))).toMatchObject({ file: DAY2, line: 1, firstBadSeq: 1, problem: 'record 1 is missing (next is 2)' });
    expect(vm1Of(await verifyAfter({ [DAY2]: null }))).toMatchObject({ file: DAY3, line: 1, firstBadSeq: 2 });
    expect(vm1Of(await verifyAfter({ [DAY3]: null }))).toMatchObject({ file: HEADS, firstBadSeq: 26, problem: `heads.json names ${DAY3}, which is missing` });
    expect(vm1Of(await verifyAfter({ [HEADS]: null }))).toMatchObject({ file: HEADS, problem: `${HEADS} is missing` });
  });

  it('fails on an edited heads.json', async () => {
    const heads = JSON.parse(files.get(HEADS)!) as { files: Record<string, { last: number; head: string }> };
    heads.files['2026-12-03.jsonl']!.last = 31;
    expect(vm1Of(await verifyAfter({ [HEADS]: JSON.stringify(heads) }))).toMatchObject({ file: DAY3, problem: `${DAY3} ends at record 30, heads.json says 31 (cut or extended)` });
    heads.files['2026-12-03.jsonl']!.last = 30;
    heads.files['2026-12-03.jsonl']!.head = 'f'.repeat(64);
    expect(vm1Of(await verifyAfter({ [HEADS]: JSON.stringify(heads) }))).toMatchObject({ file: DAY3, firstBadSeq: 30 });
    expect(vm1Of(await verifyAfter({ [HEADS]: '{"hostId":"x"}' }))).toMatchObject({ file: HEADS, problem: `${HEADS} is not a heads file` });
  });

  it('reads the branch as the remote has it when there is no local one, and fails where nothing was synced', async () => {
    const clone = join(tmp.dir, 'clone');
    await testGit(tmp.dir).raw(['clone', '-q', '--no-single-branch', repo, clone]);
    expect(await verifyRepoAudit({ repoPath: clone })).toMatchObject({ ref: `origin/${BRANCH}`, ok: true });
    expect(await verifyRepoAudit({ repoPath: clone, ref: 'main' })).toMatchObject({ ok: false, problem: 'main holds no audit (.flightdeck/audit/ is missing or empty)' });
    expect(await verifyRepoAudit({ repoPath: clone, ref: 'nope' })).toMatchObject({ ok: false, hosts: [] });
  });
});
