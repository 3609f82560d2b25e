import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
import { errorMessage } from '../../../common/wire/errors';
import { client } from '../client/clientRef';
import { onFind } from '../lib/commands';
import { useStore } from '../store/store';
import { closeController, openController } from '../terminal/registry';
import { ConfirmButton } from './ConfirmButton';
import { PaneBanner } from './PaneBanner';
import { RefusedInputBanner } from './RefusedInputBanner';
import { SearchBar } from './SearchBar';
import { StatusBadge } from './StatusBadge';
import { Icon } from './Icon';

/** A pane owns one terminal for as long as it is open; the bytes bypass React entirely. */
export function TerminalPane({ paneKey }: { paneKey: string }) {
  const body = useRef<HTMLDivElement>(null);
  const [controller] = useState(() => openController(client(), paneKey));
  const [searching, setSearching] = useState(false);
  const stream = useSyncExternalStore(controller.subscribe, () => controller.streamState);
  const refusedInput = useSyncExternalStore(controller.subscribe, () => controller.refusedInput);
  const host = useStore((state) => state.hosts[controller.host]);
  const session = host?.sessions.find((entry) => entry.id === controller.sessionId);
  const focused = useStore((state) => state.focusedPane === paneKey);
  const focusPane = useStore((state) => state.focusPane);
  const closePane = useStore((state) => state.closePane);

  useLayoutEffect(() => {
    if (!body.current) return;
    controller.mount(body.current);
    void controller.attach();
    return () => closeController(paneKey);
  }, [controller, paneKey]);

  useEffect(() => onFind((key) => key === paneKey && setSearching(true)), [paneKey]);

  return (
    <section
      className={`pane${focused ? ' is-focused' : ''}`}
      data-terminal={paneKey}
      onFocusCapture={() => focusPane(paneKey)}
      onMouseDown={() => focusPane(paneKey)}
    >
      <header className="pane-header">
        <span className="pane-title">
          <span className="pane-host">{controller.host}</span>
          <span className="pane-sep">/</span>
          {session?.name || session?.command || controller.sessionId}
        </span>
        {session && <StatusBadge status={session.status} />}
        <span className="pane-actions">
          <button type="button" className="icon-button" title="Find" onClick={() => setSearching(true)}>
            <Icon name="search" />
          </button>
          {session && session.status !== 'exited' && session.status !== 'interrupted' && (
            <ConfirmButton
              title="End this session (SIGHUP, then SIGKILL)"
              confirmLabel="End session?"
              onConfirm={() =>
                void client()
                  .request('sessions.kill', { host: controller.host, sessionId: controller.sessionId })
                  .catch((error) => useStore.getState().toast('error', `Could not end the session: ${errorMessage(error)}`))
              }
            >
              <Icon name="stop" />
            </ConfirmButton>
          )}
          <button type="button" className="icon-button" title="Close pane (the session keeps running)" onClick={() => closePane(paneKey)}>
            <Icon name="close" />
          </button>
        </span>
      </header>
      {searching && <SearchBar controller={controller} onClose={() => setSearching(false)} />}
      <div className="pane-stage">
        <div className="pane-body" ref={body} />
        {/* Banners float over the terminal: taking rows from it would resize the PTY, and the program's redraw
            would count as output the typist had not seen (refusing their held keystrokes). */}
        <div className="pane-overlays">
          <PaneBanner host={host} session={session} stream={stream} onRetry={() => void controller.attach()} />
          <RefusedInputBanner refused={refusedInput} />
        </div>
      </div>
    </section>
  );
}
