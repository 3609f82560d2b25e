import { useStore } from '../store/store';
import { HostNode } from './HostNode';

export function FleetTree() {
  const { hosts, hostOrder, fleetLoaded, fleetError, openDialog } = useStore();
  if (!fleetLoaded) return <p className="sidebar-note">Loading the fleet…</p>;
  if (fleetError) return <p className="sidebar-note error" role="alert">{fleetError}</p>;
  if (hostOrder.length === 0) {
    return (
      <div className="sidebar-empty">
        <p>No hosts yet.</p>
        <p className="muted">Add a VM from your ~/.ssh/config, or user@host.</p>
        <button type="button" className="primary" onClick={() => openDialog({ kind: 'add-host' })}>
          Add host
        </button>
      </div>
    );
  }
  return (
    <ul className="fleet-tree" aria-label="Fleet">
      {hostOrder.map((name) => {
        const host = hosts[name];
        return host ? <HostNode key={name} host={host} /> : null;
      })}
    </ul>
  );
}
