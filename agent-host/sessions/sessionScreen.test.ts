import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../common/protocol/session';
import { openDatabase, type Db } from '../journal/database';
import { Journal } from '../journal/journal';
import { Screen } from './screen';
import { SessionScreen } from './sessionScreen';

let dir: string;
let db: Db;
let journal: Journal;
let info: SessionInfo;

const bytes = (text: string) => new TextEncoder().encode(text);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fd-session-screen-'));
  db = openDatabase(join(dir, 'host.db'));
  journal = new Journal(db);
  info = {
    id: 's-1',
    name: 's-1',
    command: 'sh',
    args: [],
    cwd: '/',
    labels: {},
    cols: 40,
    rows: 6,
    status: 'working',
    pid: 42,
    exitCode: null,
    exitSignal: null,
    createdAt: 1,
    endedAt: null,
    endOffset: 0,
    retainedFrom: 0,
    inputAllowed: true,
  };
  journal.createSession(info);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What the session does with a batch: commit it at the end, then feed the screen. */
function append(screen: SessionScreen | undefined, text: string): void {
  const data = bytes(text);
  journal.append(info.id, info.endOffset, data);
  info.endOffset += data.length;
  screen?.feed(data);
}

/** The screen a fresh terminal shows after every byte of the session. */
async function reference(texts: string[]): Promise<string> {
  const screen = new Screen(info.cols, info.rows);
  for (const text of texts) screen.feed(bytes(text));
  const { data } = await screen.snapshot();
  screen.dispose();
  return data;
}

describe('SessionScreen', () => {
  it('sleeps once output is quiet (stored as the last screen) and wakes on output to the same screen', async () => {
    const screen = new SessionScreen(journal, () => info, 1 << 20, true);
    const texts = Array.from({ length: 30 }, (_, i) => `line ${i} \x1b[1mbold\x1b[0m\r\n`);
    texts.push('\x1b[?2004hprompt$ ');
    for (const text of texts) append(screen, text);
    const awake = await screen.snapshot();

    screen.sleepIfQuiet(10_000, 9_000);
    expect(journal.screen(info.id, 'last')).toBeNull();
    screen.sleepIfQuiet(10_000, 4_000);
    expect(journal.screen(info.id, 'last')).toEqual(awake);
    expect(await screen.snapshot()).toEqual(awake);
    expect(screen.cursorLineText()).toBe('prompt$ ');
    expect(screen.bracketedPasteMode()).toBe(true);

    texts.push('typed\r\nmore output\r\n');
    append(screen, texts.at(-1)!);
    const woken = await screen.snapshot();
    expect(woken.offset).toBe(info.endOffset);
    expect(woken.data).toBe(await reference(texts));
    expect(screen.cursorLineText()).toBe('');
    screen.close();
  });

  it('rebuilds an ended session from its latest checkpoint, replaying only the output after it', async () => {
    const live = new SessionScreen(journal, () => info, 64, true);
    const texts = Array.from({ length: 40 }, (_, i) => `output ${i} \x1b[32mgreen\x1b[0m\r\n`);
    for (const text of texts) append(live, text);
    const expected = await live.snapshot();
    live.close();
    const latest = journal.screen(info.id, 'checkpoint');
    expect(latest!.offset).toBeGreaterThan(0);
    expect(latest!.offset).toBeLessThan(info.endOffset);
    // Output before the latest checkpoint is not needed: only the bytes after it are replayed.
    db.prepare('DELETE FROM output WHERE session_id = ? AND offset < ?').run(info.id, latest!.offset);

    const ended = new SessionScreen(journal, () => info, 64, false);
    const rebuilt = await ended.snapshot();
    expect(rebuilt.offset).toBe(info.endOffset);
    expect(rebuilt.data).toBe(expected.data);
  });
});
