import type { HostView } from '../../../../common/app/hosts';
import { shortcutLabel } from '../../lib/shortcuts';
import { useStore } from '../../store/store';

/** The host a per-host view shows: the one it was opened on while it exists, else the fleet's first. */
export function useViewHost(asked: string | undefined): HostView | null {
  return useStore((state) => (asked && state.hosts[asked]) || state.hosts[state.hostOrder[0] ?? ''] || null);
}

const STATE_WORDS: Record<HostView['state'], string> = {
  connected: '',
  connecting: ' (connecting)',
  reconnecting: ' (reconnecting)',
  disconnected: ' (offline)',
  failed: ' (failed)',
};

/** Which host of the fleet a view shows; picking one reopens the view on it, so commands follow it too. */
export function HostPicker({ view, host }: { view: 'audit' | 'policy'; host: string }) {
  const hosts = useStore((state) => state.hosts);
  const order = useStore((state) => state.hostOrder);
  const showView = useStore((state) => state.showView);
  return (
    <label className="gov-picker">
      <span>Host</span>
      <select value={host} onChange={(event) => showView({ kind: view, host: event.target.value })} data-testid={`${view}-host`}>
        {order.map((name) => (
          <option key={name} value={name}>
            {name}
            {hosts[name] ? STATE_WORDS[hosts[name].state] : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

/** No host in the fleet: nothing to show yet, and how to change that. */
export function NoHosts({ what }: { what: string }) {
  return (
    <div className="view-empty">
      <h2>No hosts yet</h2>
      <p className="muted">
        Add a host (<kbd>{shortcutLabel('add-host')}</kbd>) to see its {what}.
      </p>
    </div>
  );
}
