import { shortcutLabel } from '../lib/shortcuts';
import { useStore } from '../store/store';
import { TabBar } from './TabBar';
import { TerminalPane } from './TerminalPane';

function EmptyWorkspace() {
  const hasHosts = useStore((state) => state.hostOrder.length > 0);
  return (
    <div className="workspace-empty">
      <h2>No terminal open</h2>
      <p className="muted">
        {hasHosts
          ? 'Pick a session in the fleet tree, or start a new one.'
          : 'Add a host to start supervising agents on it.'}
      </p>
      <ul className="hint-list">
        <li><kbd>{shortcutLabel('palette')}</kbd> command palette</li>
        <li><kbd>{shortcutLabel('new-session')}</kbd> new session</li>
        <li><kbd>{shortcutLabel('split-session')}</kbd> new session beside</li>
        <li><kbd>{shortcutLabel('start-agent')}</kbd> start an agent</li>
        <li><kbd>{shortcutLabel('next-waiting')}</kbd> next agent waiting on you</li>
      </ul>
    </div>
  );
}

/** Every tab stays mounted (hidden when inactive) so its terminals keep streaming and keep their scrollback. */
export function TerminalArea() {
  const tabs = useStore((state) => state.tabs);
  const activeTabId = useStore((state) => state.activeTabId);
  return (
    <div className="workspace">
      <TabBar />
      {tabs.length === 0 && <EmptyWorkspace />}
      {tabs.map((tab) => (
        <div
          key={tab.id}
          className={`grid grid-${tab.panes.length}`}
          hidden={tab.id !== activeTabId}
          data-tab={tab.id}
        >
          {tab.panes.map((key) => (
            <TerminalPane key={key} paneKey={key} />
          ))}
        </div>
      ))}
    </div>
  );
}
