import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal } from '@xterm/xterm';
import type { TerminalReattached, TerminalScrollback } from '../../../common/app/api';
import type { AppClient } from '../../../common/app/client';
import type { AttachResult } from '../../../common/protocol/methods';
import type { ScreenSnapshot } from '../../../common/protocol/session';
import { isTerminalReply } from '../../../common/terminal/replies';
import { errorMessage } from '../../../common/wire/errors';
import { isAppShortcut } from '../lib/shortcuts';
import { loadFastestRenderer, type RendererKind } from './gpu';
import { terminalFont, terminalTheme } from './theme';

export type StreamState =
  | { phase: 'attaching' }
  | { phase: 'live' }
  /** The host connection dropped; the core re-attaches by itself once it is back. */
  | { phase: 'resuming' }
  | { phase: 'failed'; reason: string };

/** Keystrokes the core held while the host was away and then refused to send (the screen had changed). */
export interface RefusedInput {
  bytes: number;
  reason: string;
}

const RESIZE_DEBOUNCE_MS = 80;
const WRITE_SLICE_BYTES = 16 * 1024;
/** After the host is back, how long the core gets to re-attach on its own before the pane asks afresh. */
const REATTACH_GRACE_MS = 15_000;
/** Long enough to read the refused-keystrokes notice, short enough not to linger over a live screen. */
const REFUSED_NOTICE_MS = 10_000;
const encoder = new TextEncoder();
/** RIS: a full reset written in order with the bytes before it (term.reset() would act before writes still queued). */
const RESET = '\x1bc';

/**
 * One xterm bound to one session stream. Output goes from the client straight into term.write and is acked
 * from the write callback, so xterm's own parse speed is the flow control and React never sees the bytes.
 * Offsets make the stream exact: overlap after a reattach is trimmed, nothing is written twice.
 */
export class TerminalController {
  readonly term: Terminal;
  readonly search = new SearchAddon();
  private readonly fit = new FitAddon();
  private rendererKind: RendererKind = 'dom';
  /** Offset one past the last byte handed to xterm; -1 until attached. */
  private nextOffset = -1;
  private early: Array<{ offset: number; data: Uint8Array }> = [];
  /** The whole screen of this attach, when it came before the attach result did. */
  private earlyScrollback: ScreenSnapshot | null = null;
  private state: StreamState = { phase: 'attaching' };
  private refused: RefusedInput | null = null;
  private refusedTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly stateListeners = new Set<() => void>();
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  private observer: ResizeObserver | undefined;
  /** A key or paste is being handled right now: what xterm emits meanwhile is the human, never a reply. */
  private userEvent = false;
  private disposed = false;

  constructor(
    private readonly client: AppClient,
    readonly key: string,
    readonly host: string,
    readonly sessionId: string,
  ) {
    this.term = new Terminal({
      ...terminalFont,
      theme: terminalTheme,
      allowProposedApi: true,
      cursorBlink: true,
      scrollback: 10_000,
      macOptionIsMeta: true,
    });
    this.term.loadAddon(this.fit);
    this.term.loadAddon(this.search);
    this.term.loadAddon(new WebLinksAddon((_event, uri) => window.open(uri, '_blank', 'noopener')));
    this.term.attachCustomKeyEventHandler((event) => this.handleKey(event));
    this.term.onData((data) => this.fromTerminal(encoder.encode(data)));
    this.term.onBinary((data) => this.input(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
    this.term.onResize(({ cols, rows }) => this.scheduleResize(cols, rows));
  }

  get renderer(): RendererKind {
    return this.rendererKind;
  }

  get offset(): number {
    return this.nextOffset;
  }

  get streamState(): StreamState {
    return this.state;
  }

  get refusedInput(): RefusedInput | null {
    return this.refused;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  };

  /** Puts the terminal into `container` and keeps it fitted to it. */
  mount(container: HTMLElement): void {
    this.term.open(container);
    container.addEventListener('paste', () => this.markUserEvent(), { capture: true });
    this.rendererKind = loadFastestRenderer(this.term);
    this.observer = new ResizeObserver(() => this.fitToPane());
    this.observer.observe(container);
    this.fitToPane();
  }

  focus(): void {
    this.term.focus();
  }

  async attach(): Promise<void> {
    this.setState({ phase: 'attaching' });
    try {
      const result = await this.client.request('terminal.attach', {
        host: this.host,
        sessionId: this.sessionId,
        fromOffset: null,
        // The visible rows are drawn at once; the history (up to 1,000 lines on the host) replaces them moments later.
        screenFirst: true,
      });
      if (this.disposed) return;
      this.start(result);
      this.setState({ phase: 'live' });
      this.sendSize(this.term.cols, this.term.rows);
    } catch (error) {
      if (!this.disposed) this.setState({ phase: 'failed', reason: errorMessage(error) });
    }
  }

  /** Output for this terminal, in order; may start arriving before attach() resolves. */
  output(offset: number, data: Uint8Array): void {
    if (this.nextOffset < 0) {
      this.early.push({ offset, data });
      return;
    }
    const end = offset + data.length;
    if (end <= this.nextOffset) return;
    const fresh = offset < this.nextOffset ? data.subarray(this.nextOffset - offset) : data;
    if (offset > this.nextOffset) {
      // A hole means bytes were lost between core and page: the only honest screen is a fresh one.
      void this.reattachFresh();
      return;
    }
    this.nextOffset = end;
    // xterm yields to the page only between write chunks: big frames go in slices so a flood never holds a frame.
    for (let start = 0; start < fresh.length; start += WRITE_SLICE_BYTES) {
      const slice = fresh.subarray(start, start + WRITE_SLICE_BYTES);
      const sliceEnd = end - fresh.length + start + slice.length;
      this.term.write(slice, () => this.client.ack(this.key, sliceEnd));
    }
  }

  /**
   * The core resumed this stream after a reconnect, from `streamFrom`; it says so before the first resumed OUTPUT.
   * With a snapshot, the host had cut output we never saw: its screen replaces ours and the stream goes on from there.
   */
  reattached({ streamFrom, snapshot }: TerminalReattached): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    // Still attaching: the attach result places the stream itself.
    if (this.nextOffset < 0) return;
    if (snapshot) {
      this.replaceScreen(snapshot);
    } else if (streamFrom > this.nextOffset) {
      void this.reattachFresh();
      return;
    }
    if (this.state.phase === 'resuming') this.setState({ phase: 'live' });
  }

  /** The whole screen after the visible rows the attach drew; the stream goes on from its offset. */
  scrollback({ snapshot }: TerminalScrollback): void {
    if (this.nextOffset < 0) {
      this.earlyScrollback = snapshot;
      return;
    }
    if (snapshot.offset >= this.nextOffset) this.replaceScreen(snapshot);
  }

  /** Shows, for a while, that keystrokes typed during a reconnect were dropped by the core instead of sent blind. */
  inputRefused(refused: RefusedInput): void {
    clearTimeout(this.refusedTimer);
    this.refused = refused;
    this.notify();
    this.refusedTimer = setTimeout(() => {
      this.refused = null;
      this.notify();
    }, REFUSED_NOTICE_MS);
  }

  /** The banner follows the host; keystrokes still go to the core, which holds them until it has re-attached. */
  hostState(connected: boolean): void {
    if (!connected) {
      clearTimeout(this.graceTimer);
      if (this.state.phase === 'live') this.setState({ phase: 'resuming' });
      return;
    }
    if (this.state.phase !== 'resuming' || this.graceTimer) return;
    this.graceTimer = setTimeout(() => {
      this.graceTimer = undefined;
      if (this.state.phase === 'resuming') void this.reattachFresh();
    }, REATTACH_GRACE_MS);
  }

  /** The buffer as text, one line per row, or only its last `lastRows` rows (the e2e hook reads this). */
  text(lastRows?: number): string {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    const from = lastRows ? Math.max(0, buffer.length - lastRows) : 0;
    for (let row = from; row < buffer.length; row++) lines.push(buffer.getLine(row)?.translateToString(true) ?? '');
    return lines.join('\n').replace(/\n+$/, '');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.resizeTimer);
    clearTimeout(this.graceTimer);
    clearTimeout(this.refusedTimer);
    this.observer?.disconnect();
    this.term.dispose();
    this.stateListeners.clear();
    this.client.request('terminal.detach', { host: this.host, sessionId: this.sessionId }).catch(() => undefined);
  }

  /**
   * xterm emits both the human's keys and its own answers to queries in the output (device attributes, cursor
   * position). Answers go as replies: the host takes them from one viewer only and does not audit them as typing.
   */
  private fromTerminal(data: Uint8Array): void {
    if (!this.userEvent && isTerminalReply(data)) {
      if (!this.disposed) this.client.sendReply(this.key, data);
    } else this.input(data);
  }

  private markUserEvent(): void {
    this.userEvent = true;
    queueMicrotask(() => (this.userEvent = false));
  }

  /** Straight to the core, even while reconnecting: only it knows whether held keys still fit the screen. */
  private input(data: Uint8Array): void {
    if (!this.disposed) this.client.sendInput(this.key, data);
  }

  private start(result: AttachResult): void {
    if (result.snapshot) this.replaceScreen(result.snapshot);
    this.nextOffset = result.streamFrom;
    const scrollback = this.earlyScrollback;
    this.earlyScrollback = null;
    if (scrollback && scrollback.offset >= this.nextOffset) this.replaceScreen(scrollback);
    const early = this.early;
    this.early = [];
    for (const chunk of early) this.output(chunk.offset, chunk.data);
  }

  private replaceScreen(snapshot: ScreenSnapshot): void {
    this.term.write(RESET + snapshot.data);
    this.nextOffset = snapshot.offset;
  }

  private async reattachFresh(): Promise<void> {
    this.nextOffset = -1;
    this.early = [];
    this.earlyScrollback = null;
    this.term.write(RESET);
    await this.attach();
  }

  private fitToPane(): void {
    if (this.disposed || !this.term.element?.isConnected || this.term.element.clientWidth === 0) return;
    try {
      this.fit.fit();
    } catch {
      // Not laid out yet (hidden tab); the observer fires again when it is.
    }
  }

  private scheduleResize(cols: number, rows: number): void {
    clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => this.sendSize(cols, rows), RESIZE_DEBOUNCE_MS);
  }

  private sendSize(cols: number, rows: number): void {
    if (this.disposed || this.nextOffset < 0) return;
    this.client
      .request('terminal.resize', { host: this.host, sessionId: this.sessionId, cols, rows })
      .catch(() => undefined);
  }

  private handleKey(event: KeyboardEvent): boolean {
    this.markUserEvent();
    if (event.type !== 'keydown') return true;
    const mod = event.ctrlKey || event.metaKey;
    if (mod && event.shiftKey && event.code === 'KeyC') {
      const selection = this.term.getSelection();
      if (selection) void navigator.clipboard?.writeText(selection).catch(() => undefined);
      event.preventDefault();
      return false;
    }
    if (mod && event.shiftKey && event.code === 'KeyV') return false; // let the browser paste natively into xterm
    if (event.metaKey && !event.shiftKey && event.code === 'KeyC' && this.term.hasSelection()) {
      void navigator.clipboard?.writeText(this.term.getSelection()).catch(() => undefined);
      return false;
    }
    // App shortcuts bubble to the window handler instead of reaching the shell.
    return !isAppShortcut(event);
  }

  private setState(state: StreamState): void {
    this.state = state;
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.stateListeners]) listener();
  }
}
