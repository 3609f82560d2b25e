import { useStore } from '../store/store';

/** Shown instead of the app while there is no core to talk to. */
export function ConnectionScreen() {
  const connection = useStore((state) => state.connection);
  const error = useStore((state) => state.connectionError);
  if (connection === 'ready') return null;
  return (
    <div className="connection-screen" role={connection === 'lost' ? 'alert' : 'status'}>
      <div className="connection-card">
        <span className="brand-mark big">◢</span>
        {connection === 'connecting' ? (
          <p>Connecting to the Flightdeck core…</p>
        ) : (
          <>
            <h2>Lost the Flightdeck core</h2>
            <p className="muted">{error ?? 'The connection closed.'}</p>
            <p className="muted">Agents keep running on their hosts. Restart `npm run web` and reload this page.</p>
            <button type="button" className="primary" onClick={() => window.location.reload()}>
              Reload
            </button>
          </>
        )}
      </div>
    </div>
  );
}
