import type { BenchContext } from '../context';
import { expectedHistoryScreen } from '../fixtures';
import { TmuxHistory } from '../peers/tmux';
import { join } from 'node:path';
import { flightdeckAttach, startHistorySession } from '../flightdeck/attach';
import { openFlightdeckHost, type FlightdeckHost } from '../flightdeck/core';
import type { Group } from '../suite';

const TMUX = 'ssh -tt host tmux attach';
export const FLIGHTDECK_ATTACH = 'Flightdeck: client core terminal.attach (visible screen, then scrollback and tail)';

export function attachGroup(context: BenchContext): Group {
  const lines = context.sizes.historyLines;
  const expectedScreen = expectedHistoryScreen(lines);
  let tmux: TmuxHistory | undefined;
  let host: FlightdeckHost | undefined;
  let sessionId = '';
  return {
    id: 'attach',
    title: `Attach to a session with ${lines.toLocaleString('en-US')} lines of history`,
    metrics: [
      { key: 'ms', label: 'time to complete first screen', unit: 'ms', better: 'lower', digits: 1 },
      { key: 'historyMs', label: 'time to that screen with 1,000 lines of scrollback', unit: 'ms', better: 'lower', digits: 1 },
    ],
    peer: TMUX,
    budgetMs: 45_000,
    rounds: context.sizes.attachRounds,
    async setup() {
      tmux = await TmuxHistory.start(context.dir, lines);
      host = await openFlightdeckHost(context.sshd, join(context.dir, 'flightdeck-attach'));
      sessionId = await startHistorySession(host.bench, host.inspector, lines);
      // The core opens a terminal lane (its own exec channel) on a window's first attach; like tmux's ssh session, it is up before timing.
      await flightdeckAttach(host.bench, sessionId, lines, expectedScreen);
    },
    async teardown() {
      await tmux?.stop();
      await host?.stop();
    },
    contenders: [
      { name: TMUX, run: async () => ({ ms: await tmux!.attach(context.sshd, expectedScreen) }) },
      { name: FLIGHTDECK_ATTACH, run: () => flightdeckAttach(host!.bench, sessionId, lines, expectedScreen) },
    ],
    targets: [
      {
        metric: 'ms',
        text: 'Flightdeck attach <= 100 ms',
        check: (median) => {
          const ours = median(FLIGHTDECK_ATTACH);
          return ours === undefined ? undefined : { measured: `${ours.toFixed(1)} ms`, pass: ours <= 100 };
        },
      },
      {
        metric: 'ms',
        text: 'Flightdeck attach <= 1.0x tmux',
        check: (median) => {
          const ours = median(FLIGHTDECK_ATTACH);
          const peer = median(TMUX);
          if (ours === undefined || peer === undefined) return undefined;
          return { measured: `${ours.toFixed(1)} vs ${peer.toFixed(1)} ms = ${(ours / peer).toFixed(2)}x`, pass: ours <= peer };
        },
      },
    ],
    notes: [
      '"Complete first screen": the client\'s own terminal emulator (@xterm/headless 120x32, fed every received byte) shows the last 31 history lines in order on rows 0–30 and an empty cursor row 31; checked after each write is parsed. Same definition, same code (test/bench/screen.ts) for both.',
      'The clock starts when the attach is requested on an open connection: for tmux when the newline that makes the already running remote shell `exec tmux attach` is sent (key exchange and the login shell\'s startup are not counted), for Flightdeck when the client core\'s `terminal.attach` is called on a connected host.',
      'Flightdeck\'s first attach on a host also opens the core\'s terminal lane (a second exec channel running the bridge, ~1 s here because the login shell\'s .bashrc is slow); one untimed attach opens it before the rounds, as tmux\'s SSH session is open before its clock starts.',
      'tmux runs with `status off` so its pane is the whole 120x32 screen, like the Flightdeck session.',
      'Flightdeck attaches as the desktop does (screenFirst): the answer carries the visible rows only, the host\'s 1,000 lines of scrollback follow in a `scrollback` event that replaces the screen. tmux sends no history to its client at all (it stays in the server, shown on demand), so only the first metric has a tmux figure.',
    ],
  };
}
