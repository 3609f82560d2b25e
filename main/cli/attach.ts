import { terminalKey, type AppApi } from '../../common/app/api';
import type { ParsedParamsOf } from '../../common/protocol/define';
import type { HostView } from '../../common/app/hosts';
import { segmentTerminalInput } from '../../common/terminal/replies';
import { UsageError, type CliContext } from './context';
import { resolveSession } from './sessionRef';

/** Detach: Ctrl-\ then d. Ctrl-\ twice sends one Ctrl-\ to the session. */
const PREFIX = 0x1c;
const DETACH = 'd'.charCodeAt(0);
export const DETACH_HELP = 'Ctrl-\\ then d';
const CLEAR_SCREEN = '\u001b[H\u001b[2J';

function setTitle(text: string): void {
  process.stdout.write(`\u001b]0;${text}\u0007`);
}

/**
 * `attach HOST/SESSION`: the session in this terminal, in raw mode. The PTY takes this terminal's size (and
 * follows SIGWINCH); the exact current screen is drawn first, then live output. Survives reconnects.
 */
export async function attach(ctx: CliContext, argv: string[]): Promise<string> {
  if (argv.length !== 1) throw new UsageError('usage: flightdeck attach HOST/SESSION');
  const stdin = process.stdin;
  if (!stdin.isTTY || !process.stdout.isTTY) {
    throw new UsageError('attach needs a terminal; in scripts use `session output --follow` and `session send`');
  }
  const { host, session } = await resolveSession(ctx, argv[0]);
  const key = terminalKey(host, session.id);
  const label = `${host}/${session.name || session.id}`;

  return new Promise<string>((resolve, reject) => {
    let ready = false;
    const early: { offset: number; data: Uint8Array }[] = [];
    let prefixPending = false;
    const write = (offset: number, data: Uint8Array): void => {
      process.stdout.write(data, () => client.ack(key, offset + data.length));
    };
    let finished = false;
    const finish = (message: string): void => {
      if (finished) return;
      finished = true;
      stdin.off('data', onInput);
      process.stdout.off('resize', onResize);
      stdin.setRawMode(false);
      stdin.pause();
      client.close();
      process.stdout.write('', () => resolve(message));
    };
    const client = ctx.core.openClient({
      notify: (method, params) => {
        if (method === 'terminal.viewer') {
          const { event } = params as ParsedParamsOf<AppApi, 'terminal.viewer'>;
          if (event.sessionId !== session.id) return;
          if (event.state === 'ended') finish(`[${label} ended]`);
          if (event.state === 'reattached') {
            setTitle(label);
            // Output was cut while we were away: the snapshot is the exact screen the stream continues from.
            if (event.snapshot) process.stdout.write(`${CLEAR_SCREEN}${event.snapshot.data}`);
          }
          // Raw mode owns the screen: the title and the bell say it without scribbling over the session.
          if (event.state === 'input-refused') process.stdout.write('\u0007', () => setTitle(`${label} — ${event.bytes} typed bytes not sent: ${event.reason}`));
        } else if (method === 'hosts.changed') {
          const view = (params as { host: HostView }).host;
          if (view.name === host && view.state !== 'connected') setTitle(`${label} — ${view.state}…`);
        }
      },
      output: (_key, offset, data) => {
        if (ready) write(offset, data);
        else early.push({ offset, data });
      },
    });
    // This terminal answers the session's queries on stdin among the keys: answers go as replies, not typing.
    const send = (bytes: number[]): void => {
      for (const segment of segmentTerminalInput(Uint8Array.from(bytes))) {
        if (segment.reply) client.reply(key, segment.data);
        else client.input(key, segment.data);
      }
    };
    const onInput = (chunk: Buffer): void => {
      const out: number[] = [];
      for (const byte of chunk) {
        if (prefixPending) {
          prefixPending = false;
          if (byte === DETACH) {
            send(out);
            finish(`[detached from ${label}]`);
            return;
          }
          out.push(PREFIX);
          if (byte !== PREFIX) out.push(byte);
        } else if (byte === PREFIX) prefixPending = true;
        else out.push(byte);
      }
      send(out);
    };
    const onResize = (): void => {
      client
        .request('terminal.resize', { host, sessionId: session.id, cols: process.stdout.columns, rows: process.stdout.rows })
        .catch(() => undefined);
    };

    const start = async (): Promise<void> => {
      if (session.status !== 'exited') {
        await client.request('terminal.resize', { host, sessionId: session.id, cols: process.stdout.columns, rows: process.stdout.rows }).catch(() => undefined);
      }
      const result = await client.request('terminal.attach', { host, sessionId: session.id, fromOffset: null });
      stdin.setRawMode(true);
      stdin.resume();
      stdin.on('data', onInput);
      process.stdout.on('resize', onResize);
      setTitle(label);
      process.stdout.write(CLEAR_SCREEN);
      if (result.snapshot) process.stdout.write(result.snapshot.data);
      ready = true;
      for (const chunk of early.splice(0)) write(chunk.offset, chunk.data);
      if (result.session.status === 'exited' && result.streamFrom >= result.session.endOffset) finish(`[${label} has ended]`);
    };
    start().catch((error: unknown) => {
      client.close();
      reject(error);
    });
  });
}
