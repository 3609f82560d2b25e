import { parseArgs } from 'node:util';
import type { TerminalReattached } from '../../common/app/api';
import type { ScreenSnapshot } from '../../common/protocol/session';
import { UsageError, type CliContext } from './context';
import { resolveSession } from './sessionRef';

const USAGE = 'usage: flightdeck session output HOST/SESSION [--from OFFSET] [--follow] [--snapshot]';

/**
 * `session output`: raw bytes from --from (default 0) to stdout. Without --follow it stops at the end of what
 * was written when it started; with --follow it streams until the session ends, riding out reconnects.
 * Output the host has cut from its journal is gone as bytes: stdout never gets a screen in their place unless
 * --snapshot asks for it, and stderr says from which offset the raw bytes resume.
 */
export async function sessionOutput(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { from: { type: 'string' }, follow: { type: 'boolean', short: 'f' }, snapshot: { type: 'boolean' } },
  });
  const from = values.from === undefined ? 0 : Number(values.from);
  if (!Number.isSafeInteger(from) || from < 0) throw new UsageError(`--from expects a byte offset, got "${values.from}"`);
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const { host, session } = await resolveSession(ctx, positionals[0]);
  const follow = values.follow ?? false;
  const label = `${host}/${session.name || session.id}`;

  /** Bytes before `streamFrom` (from `expected` on) were cut: the screen stands in for them, on request only. */
  const cut = (expected: number, streamFrom: number, snapshot: ScreenSnapshot | null | undefined, reconnected: boolean): void => {
    if (!snapshot || streamFrom <= expected) return;
    if (values.snapshot) {
      process.stdout.write(snapshot.data);
      return;
    }
    process.stderr.write(
      `flightdeck: ${label}: bytes ${expected}-${streamFrom - 1} were cut from the host's journal` +
        `${reconnected ? ' while reconnecting; the raw output continues' : '; the raw output starts'} at byte ${streamFrom} ` +
        '(--snapshot prints the screen that stands for the cut part)\n',
    );
  };

  await new Promise<void>((resolve, reject) => {
    let stopAt: number | null = null;
    let written = from;
    let ended = false;
    const check = (): void => {
      if (stopAt !== null && written >= stopAt) finish();
      else if (ended && stopAt !== null) finish();
    };
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      client.close();
      // Resolve once stdout has taken everything written so far.
      process.stdout.write('', () => resolve());
    };
    // OUTPUT can arrive before the attach answer is handled: hold it, so that a --snapshot screen comes first.
    let early: { key: string; offset: number; data: Uint8Array }[] | null = [];
    const write = (key: string, offset: number, data: Uint8Array): void => {
      written = offset + data.length;
      process.stdout.write(data, () => client.ack(key, offset + data.length));
      check();
    };
    const client = ctx.core.openClient({
      notify: (method, params) => {
        if (method !== 'terminal.viewer') return;
        const event = (params as { host: string; event: { sessionId: string; state: string } }).event;
        if (event.sessionId !== session.id) return;
        if (event.state === 'reattached') {
          const reattached = event as TerminalReattached;
          cut(written, reattached.streamFrom, reattached.snapshot, true);
        }
        if (event.state === 'ended') {
          ended = true;
          check();
        }
      },
      output: (key, offset, data) => {
        if (early) early.push({ key, offset, data });
        else write(key, offset, data);
      },
    });
    client
      .request('terminal.attach', { host, sessionId: session.id, fromOffset: from })
      .then((result) => {
        cut(from, result.streamFrom, result.snapshot, false);
        written = Math.max(written, result.streamFrom);
        stopAt = follow ? Number.POSITIVE_INFINITY : result.session.endOffset;
        if (follow && result.session.status === 'exited' && written >= result.session.endOffset) ended = true;
        const held = early ?? [];
        early = null;
        for (const chunk of held) write(chunk.key, chunk.offset, chunk.data);
        check();
      })
      .catch((error: unknown) => {
        client.close();
        reject(error);
      });
  });
}
