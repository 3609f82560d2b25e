import { parseArgs } from 'node:util';
import { UsageError, type CliContext } from './context';
import { resolveSession } from './sessionRef';

/**
 * `session output`: raw bytes from --from (default 0) to stdout. Without --follow it stops at the end of what
 * was written when it started; with --follow it streams until the session ends, riding out reconnects.
 */
export async function sessionOutput(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { from: { type: 'string' }, follow: { type: 'boolean', short: 'f' } },
  });
  const from = values.from === undefined ? 0 : Number(values.from);
  if (!Number.isSafeInteger(from) || from < 0) throw new UsageError(`--from expects a byte offset, got "${values.from}"`);
  if (positionals.length !== 1) throw new UsageError('usage: flightdeck session output HOST/SESSION [--from OFFSET] [--follow]');
  const { host, session } = await resolveSession(ctx, positionals[0]);
  const follow = values.follow ?? false;

  await new Promise<void>((resolve, reject) => {
    let stopAt: number | null = null;
    let written = 0;
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
    const client = ctx.core.openClient({
      notify: (method, params) => {
        if (method !== 'terminal.viewer') return;
        const event = (params as { host: string; event: { sessionId: string; state: string } }).event;
        if (event.sessionId === session.id && event.state === 'ended') {
          ended = true;
          check();
        }
      },
      output: (key, offset, data) => {
        written = offset + data.length;
        process.stdout.write(data, () => client.ack(key, offset + data.length));
        check();
      },
    });
    client
      .request('terminal.attach', { host, sessionId: session.id, fromOffset: from })
      .then((result) => {
        if (result.snapshot && result.snapshot.offset > from) process.stdout.write(result.snapshot.data);
        written = Math.max(written, result.streamFrom);
        stopAt = follow ? Number.POSITIVE_INFINITY : result.session.endOffset;
        if (follow && result.session.status === 'exited' && written >= result.session.endOffset) ended = true;
        check();
      })
      .catch((error: unknown) => {
        client.close();
        reject(error);
      });
  });
}
