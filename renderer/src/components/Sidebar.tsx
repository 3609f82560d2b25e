import { shortcutLabel } from '../lib/shortcuts';
import { useStore } from '../store/store';
import { FleetTree } from './FleetTree';
import { ViewNav } from './ViewNav';
import { WaitingSummary } from './WaitingSummary';
import { Icon } from './Icon';

export function Sidebar() {
  const openDialog = useStore((state) => state.openDialog);
  const setPaletteOpen = useStore((state) => state.setPaletteOpen);
  return (
    <aside className="sidebar">
      <header className="sidebar-header">
        <span className="brand">
          <span className="brand-mark">◢</span> Flightdeck
        </span>
        <button type="button" className="ghost" onClick={() => setPaletteOpen(true)} title="Command palette">
          {shortcutLabel('palette')}
        </button>
      </header>
      <ViewNav />
      <WaitingSummary />
      <div className="sidebar-section-title">
        <span>Hosts</span>
        <button type="button" className="icon-button" onClick={() => openDialog({ kind: 'add-host' })} title={`Add host (${shortcutLabel('add-host')})`}>
          <Icon name="plus" />
        </button>
      </div>
      <div className="sidebar-scroll">
        <FleetTree />
      </div>
    </aside>
  );
}
