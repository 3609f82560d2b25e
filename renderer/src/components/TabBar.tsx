import { parseTerminalKey } from '../../../common/app/api';
import { useStore } from '../store/store';
import { Icon } from './Icon';

function tabTitle(panes: string[], names: (key: string) => string): string {
  return panes.map(names).join(' · ');
}

export function TabBar() {
  const tabs = useStore((state) => state.tabs);
  const activeTabId = useStore((state) => state.activeTabId);
  const activateTab = useStore((state) => state.activateTab);
  const closePane = useStore((state) => state.closePane);
  const hosts = useStore((state) => state.hosts);
  const nameOf = (key: string) => {
    const ref = parseTerminalKey(key);
    if (!ref) return key;
    const session = hosts[ref.host]?.sessions.find((entry) => entry.id === ref.sessionId);
    return session?.name || session?.command || ref.sessionId;
  };
  if (tabs.length === 0) return null;
  return (
    <nav className="tab-bar" role="tablist">
      {tabs.map((tab) => (
        <div key={tab.id} className={`tab${tab.id === activeTabId ? ' is-active' : ''}`} role="tab" aria-selected={tab.id === activeTabId}>
          <button type="button" className="tab-label" onClick={() => activateTab(tab.id)}>
            {tab.panes.length > 1 && <span className="tab-count">{tab.panes.length}</span>}
            {tabTitle(tab.panes, nameOf)}
          </button>
          <button
            type="button"
            className="icon-button"
            title="Close tab (sessions keep running)"
            onClick={() => tab.panes.forEach((pane) => closePane(pane))}
          >
            <Icon name="close" />
          </button>
        </div>
      ))}
    </nav>
  );
}
