import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TranscriptFollower } from './transcriptFollower';
import type { TranscriptUsage } from './transcriptUsage';

const dirs: string[] = [];
const followers: TranscriptFollower[] = [];
afterEach(async () => {
  await Promise.all(followers.splice(0).map((follower) => follower.close()));
  dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

function dir(): string {
  const path = mkdtempSync(join(tmpdir(), 'fd-follow-'));
  dirs.push(path);
  return path;
}

const assistant = (id: string, inputTokens: number) =>
  `${JSON.stringify({ type: 'assistant', message: { id, model: 'claude-sonnet-4-5', usage: { input_tokens: inputTokens, output_tokens: 1 } } })}\n`;

/** A follower whose reports can be awaited: `until(done)` once `done()` holds after a report or failure, `counted(file, n)` once `file` was reported with n messages. */
function follower() {
  const reports: Array<{ file: string; totals: TranscriptUsage }> = [];
  const failures: Array<{ file: string; error: unknown }> = [];
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((check) => check());
  const instance = new TranscriptFollower(
    (file, totals) => {
      reports.push({ file, totals });
      wake();
    },
    (file, error) => {
      failures.push({ file, error });
      wake();
    },
  );
  followers.push(instance);
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!done()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });
  const counted = (file: string, messages: number) => until(() => reports.some((report) => report.file === file && report.totals.messages === messages));
  return { instance, reports, failures, until, counted };
}

describe('TranscriptFollower', () => {
  it('counts what the CLI appends after the hook that named the file, with no further hook', async () => {
    const file = join(dir(), 'session.jsonl');
    writeFileSync(file, assistant('msg_1', 100));
    const { instance, reports, counted } = follower();
    instance.follow(file);
    await counted(file, 1);

    // The turn's last reply, written after its Stop hook answered.
    appendFileSync(file, assistant('msg_2', 200));
    await counted(file, 2);
    expect(reports.at(-1)!.totals.usage.inputTokens).toBe(300);
  });

  it('reads every file once more when closed: what was written just before the process ended counts', async () => {
    const root = dir();
    const files = [join(root, 'a.jsonl'), join(root, 'b.jsonl')];
    files.forEach((file, index) => writeFileSync(file, assistant(`msg_${index}`, 10)));
    const { instance, reports, counted } = follower();
    for (const file of files) instance.follow(file);
    await Promise.all(files.map((file) => counted(file, 1)));

    // Appended, and closed at once: the watch may not have fired yet, the final read counts it all the same.
    appendFileSync(files[0]!, assistant('msg_last', 10));
    await instance.close();
    const last = (file: string) => reports.findLast((report) => report.file === file)!.totals;
    expect(last(files[0]!)).toMatchObject({ messages: 2, usage: { inputTokens: 20 } });
    expect(last(files[1]!)).toMatchObject({ messages: 1, usage: { inputTokens: 10 } });
  });

  it('reports a path that is not a regular file and stops watching it; a later hook tries again', async () => {
    const root = dir();
    const path = join(root, 'transcript');
    mkdirSync(path);
    const { instance, failures, until, counted } = follower();
    instance.follow(path);
    await until(() => failures.length === 1);
    expect(String(failures[0]!.error)).toContain('not a regular file');

    rmSync(path, { recursive: true });
    writeFileSync(path, assistant('msg_1', 5));
    instance.follow(path);
    await counted(path, 1);
    appendFileSync(path, assistant('msg_2', 5));
    await counted(path, 2);
  });

  it('counts a file put in the place of the one it followed from its start, and follows that one', async () => {
    const root = dir();
    const file = join(root, 'session.jsonl');
    writeFileSync(file, assistant('msg_1', 100));
    const { instance, reports, counted } = follower();
    instance.follow(file);
    await counted(file, 1);

    // Rewritten elsewhere and renamed over it: three other messages, longer than what was read.
    writeFileSync(join(root, 'next.jsonl'), ['a', 'b', 'c'].map((id) => assistant(id, 1)).join(''));
    renameSync(join(root, 'next.jsonl'), file);
    await counted(file, 3);
    expect(reports.at(-1)!.totals.usage.inputTokens).toBe(3);
    // And the new file is the one watched now.
    appendFileSync(file, assistant('d', 1));
    await counted(file, 4);
  });

  it('reads a file one read at a time while it is written: every line counted once', async () => {
    const file = join(dir(), 'session.jsonl');
    writeFileSync(file, '');
    const { instance, reports, counted } = follower();
    instance.follow(file);
    // Awaited one by one, so writes land while reads of earlier writes are in flight.
    for (let index = 1; index <= 50; index++) await appendFile(file, assistant(`msg_${index}`, index));
    await counted(file, 50);
    await instance.close();
    expect(reports.at(-1)!.totals).toMatchObject({ messages: 50, usage: { inputTokens: (50 * 51) / 2, outputTokens: 50 } });
  });
});
